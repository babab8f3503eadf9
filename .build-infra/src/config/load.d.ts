import type { RunConfig } from './schema';
/** Parses JSON text, turning a syntax error into one that names the file, line and column. */
export declare function parseJsonText(text: string, source: string): unknown;
/** Loads and validates a run config file; every error names the file. */
export declare function loadRunConfigFile(path: string): RunConfig;
