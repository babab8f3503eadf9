/** Project-local paths: the state folder (server database, artifact store). */
import * as path from 'node:path';

/** The folder that holds this package (two levels above dist/src). */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');

/** The state folder: $RLAIF_HOME, or .rlaif in the current directory. */
export function stateDir(): string {
  return path.resolve(process.env.RLAIF_HOME ?? '.rlaif');
}

/** The artifact store: $RLAIF_STORE (a folder, or `s3://bucket/prefix`), or <state>/store. */
export function defaultStoreRoot(): string {
  const spec = process.env.RLAIF_STORE ?? path.join(stateDir(), 'store');
  return spec.startsWith('s3://') ? spec : path.resolve(spec);
}
