/**
 * How a run config names a file on the worker: "<root>:<path inside the root>", where the root is
 * a folder the worker's owner declared (`dataRoots`). A plain path is accepted only by a worker
 * that trusts run configs. Workflow-safe: string handling only.
 */

/** A root name (2 to 40 characters, so that a drive letter such as "C:" is never one), a colon, a path. */
const FILE_REF = /^([A-Za-z][A-Za-z0-9_-]{1,39}):(.*)$/s;

/** A file named by a data root and a path inside it, or a plain path. */
export type FileRef = { root: string; path: string } | { root?: undefined; path: string };

export function parseFileRef(value: string): FileRef {
  const m = FILE_REF.exec(value);
  return m ? { root: m[1] as string, path: m[2] as string } : { path: value };
}

/**
 * Why a path inside a root is not acceptable, or undefined: it must be relative, stay inside the
 * root by its segments (symbolic links are checked on the worker) and be an ordinary string.
 */
export function badPathInRoot(path: string): string | undefined {
  if (path === '') return 'the path inside the root is empty';
  if (path.includes('\0')) return 'the path holds a NUL character';
  if (path.startsWith('/') || path.startsWith('\\') || /^[A-Za-z]:/.test(path))
    return 'the path inside the root must be relative';
  if (path.split(/[/\\]/).some((segment) => segment === '..')) return 'the path must not contain ".."';
  return undefined;
}
