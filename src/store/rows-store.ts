/**
 * What every artifact store does the same way on top of its own commit and read: rows committed
 * as JSON Lines (and read back when another attempt committed first), rows parsed and counted,
 * the reproducibility rule for a recomputed object. Each store keeps only what differs: how
 * bytes are committed exclusively (`commitLines`) and how they are read and verified.
 */
import { keyOfRef, type ArtifactRef } from './artifact';
import { ArtifactCorruptError, ArtifactNotReproducibleError } from './errors';
import type { ArtifactStore } from './store';

/** The outcome of committing rows: the committed reference, and whether its bytes are these rows'. */
export interface LinesCommit {
  ref: ArtifactRef;
  ours: boolean;
}

export abstract class RowsArtifactStore implements Pick<
  ArtifactStore,
  'commitJsonl' | 'commitRows' | 'readAllJsonl' | 'readFirstRow'
> {
  /**
   * Commits rows as JSON Lines once and says whether the committed bytes are these rows' (false
   * when the key was committed before, or another attempt committed other rows first). A store
   * keeps rows it committed in its read cache, so the next stage on this worker skips the parse.
   */
  protected abstract commitLines<T>(key: string, rows: readonly T[]): Promise<LinesCommit>;

  abstract get(key: string): Promise<ArtifactRef | undefined>;
  abstract readJsonl<T>(ref: ArtifactRef): Promise<T[]>;

  /**
   * Commits rows as JSON Lines; the caller must not modify them afterwards (they stay in the read
   * cache). A key already committed keeps its rows: see `commitRows` for reading them back.
   */
  async commitJsonl<T>(key: string, rows: readonly T[]): Promise<ArtifactRef> {
    return (await this.commitLines(key, rows)).ref;
  }

  /**
   * Commits rows as JSON Lines and returns the rows committed under the key: these, or, when the
   * key was already committed or another attempt committed first, the committed ones (read and
   * verified). Figures an activity reports must come from these rows, the ones every reader sees.
   */
  async commitRows<T>(key: string, rows: readonly T[]): Promise<{ ref: ArtifactRef; rows: T[] }> {
    const { ref, ours } = await this.commitLines(key, rows);
    return { ref, rows: ours ? rows.slice() : await this.readJsonl<T>(ref) };
  }

  /** Reads all rows of several references, in order. */
  async readAllJsonl<T>(refs: readonly ArtifactRef[]): Promise<T[]> {
    return (await Promise.all(refs.map((r) => this.readJsonl<T>(r)))).flat();
  }

  /**
   * The first row of the object committed at `key`, or undefined when nothing is committed there
   * or the read finds it corrupt (and takes it out): for records a caller can do without or make
   * again, such as a kept checkpoint or a stage's result. Other failures are thrown.
   */
  async readFirstRow<T>(key: string): Promise<T | undefined> {
    const ref = await this.get(key);
    if (!ref) return undefined;
    try {
      return (await this.readJsonl<T>(ref))[0];
    } catch (err) {
      if (err instanceof ArtifactCorruptError) return undefined;
      throw err;
    }
  }
}

/** The rows of verified JSON Lines bytes; a row count other than the reference's is corruption. */
export function parseJsonlRows<T>(bytes: Buffer, ref: ArtifactRef): T[] {
  const rows = bytes
    .toString('utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as T);
  if (rows.length !== ref.count) {
    throw new ArtifactCorruptError(
      `artifact ${keyOfRef(ref)} has ${rows.length} rows, expected ${ref.count}`,
    );
  }
  return rows;
}

/**
 * Throws unless bytes recomputed for a key found corrupt are the ones every holder of the old
 * reference (`lost`) expects: what the run built on them would no longer match otherwise.
 */
export function checkReproduced(key: string, lost: ArtifactRef | undefined, sha256: string): void {
  if (lost && lost.sha256 !== sha256) {
    throw new ArtifactNotReproducibleError(
      `artifact ${key} was found corrupt, and recomputing it gave other bytes (sha256 ${sha256.slice(0, 12)}… ` +
        `instead of ${lost.sha256.slice(0, 12)}…): what the run built on it would no longer match`,
    );
  }
}
