/**
 * The project root: the nearest folder above this file whose package.json is this package's.
 * Walking up works from src/server (sources) and from dist/src/server or any other build folder.
 */
export declare function findProjectRoot(from?: string): string;
/**
 * The absolute path of the Temporal CLI: `temporal` on PATH, else the one recorded by setup in
 * .tools/temporal-path, else the project-local build .tools/bin/temporal. Throws an error that
 * says to run `npm run setup` when there is none.
 */
export declare function findTemporalCli(projectRoot?: string): string;
