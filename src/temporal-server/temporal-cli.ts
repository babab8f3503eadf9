/** Finds the Temporal CLI binary that `npm run setup` resolved or built. */
import fs from 'node:fs';
import path from 'node:path';

const PACKAGE_NAME = 'temporal-rlaif';
const EXE = process.platform === 'win32' ? '.exe' : '';

/**
 * The project root: the nearest folder above this file whose package.json is this package's.
 * Walking up works from src/temporal-server or devtools (sources) and from dist/src/temporal-server or any other build folder.
 */
export function findProjectRoot(from: string = __dirname): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === PACKAGE_NAME) return dir;
    } catch {
      // no readable package.json here; keep walking up
    }
    if (path.dirname(dir) === dir)
      throw new Error(`cannot find the ${PACKAGE_NAME} project root above ${from}`);
  }
}

/** Whether `file` is an executable regular file. */
export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The executable `name` on PATH, if any. */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = dir && path.join(dir, name + EXE);
    if (candidate && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The absolute path of the Temporal CLI: `temporal` on PATH, else the one recorded by setup in
 * .tools/temporal-path, else the project-local build .tools/bin/temporal. Throws an error that
 * says to run `npm run setup` when there is none.
 */
export function findTemporalCli(projectRoot?: string): string {
  const found = onPath('temporal');
  if (found) return found;
  const root = projectRoot ?? findProjectRoot();
  const candidates: string[] = [];
  try {
    candidates.push(fs.readFileSync(path.join(root, '.tools', 'temporal-path'), 'utf8').trim());
  } catch {
    // setup has not recorded a path
  }
  candidates.push(path.join(root, '.tools', 'bin', 'temporal' + EXE));
  const local = candidates.find((c) => c && isExecutable(c));
  if (local) return local;
  throw new Error(
    'The Temporal CLI was not found on PATH nor in .tools/bin. Run `npm run setup` ' +
      '(it builds the pinned release with Go), or install it from https://docs.temporal.io/cli.',
  );
}
