/** Project-local paths: the state folder (server database, artifact store). */
import * as path from 'node:path';

/** The folder that holds this package (two levels above dist/src). */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');

/** The state folder: $RLAIF_HOME, or .rlaif in the current directory. */
export function stateDir(): string {
  return path.resolve(process.env.RLAIF_HOME ?? '.rlaif');
}

/** The artifact store root: $RLAIF_STORE, or <state>/store. */
export function defaultStoreRoot(): string {
  return path.resolve(process.env.RLAIF_STORE ?? path.join(stateDir(), 'store'));
}
