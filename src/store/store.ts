/**
 * The artifact store: where prompts, responses, preferences and checkpoints live while workflows
 * carry only references to them (claim check). Two implementations keep one contract:
 * `LocalArtifactStore` (a folder every worker sees) and `S3ArtifactStore` (an S3 bucket and
 * prefix, so workers on several machines share nothing but Temporal and the bucket). The contract
 * tests in tests/store/contract.test.ts run against both.
 *
 * The contract:
 *
 * - **Atomic, checksummed, exclusive commit.** `commitBytes`/`commitRows` write an object under a
 *   deterministic key once. Of concurrent attempts (a heartbeat timeout starts a retry while the
 *   first attempt still runs, on another machine) exactly one commit takes effect, and every
 *   attempt gets that commit's reference `{uri, sha256, count, bytes}`, whatever its own bytes
 *   were: non-deterministic producers (endpoint sampling, LLM judging) have one answer, the first.
 *   Committing a key already committed returns the existing reference; that is what makes
 *   retried activities idempotent. A crash at any point leaves the key either uncommitted or
 *   committed whole; never a torn object under a committed key.
 * - **Verified read.** `readBytes`/`readJsonl` check the sha256 (and row count) of what they read
 *   against the reference. Bytes that do not match are quarantined and raise
 *   `ArtifactCorruptError`, so the producer recomputes them.
 * - **List.** `listCommitted` names committed keys only, never temporary or partial objects.
 * - **Quarantine.** An object found corrupt or missing is taken out: the key reads as
 *   uncommitted, the old reference is kept as a tombstone (`quarantinedRef`), and only the bytes
 *   every holder of the old reference expects may be committed in its place
 *   (`ArtifactNotReproducibleError` otherwise).
 * - **Partial batches.** `appendPartial`/`readPartial` keep the rows a batch has finished so a
 *   retried attempt resumes; rows are checksummed with their position (partial-rows.ts), so a
 *   torn, edited or misplaced row ends what is kept, and a partial row never reaches a commit.
 * - **Mutable documents.** `readJson`/`writeJson` hold small state that is replaced whole (the
 *   run's identity record, checkpoints' pointers): last writer wins, readers see a whole document.
 */
import type { ArtifactRef } from './artifact';

/** One line of the commit log: who committed what, when. */
export interface CommitRecord {
  key: string;
  sha256: string;
  count: number;
  at: string;
}

/** One quarantine: the reference that was expected and the sha256 found (`missing` when gone). */
export interface QuarantineRecord {
  key: string;
  expected: string;
  found: string;
  at: string;
}

export interface ArtifactStore {
  /** Where the store is, for messages: a folder, or `s3://bucket/prefix`. */
  readonly location: string;

  /** The committed reference at `key`, or undefined when nothing is committed there. */
  get(key: string): Promise<ArtifactRef | undefined>;
  /** Commits bytes under `key` once; returns the committed reference (maybe another attempt's). */
  commitBytes(key: string, data: Uint8Array, count: number): Promise<ArtifactRef>;
  /** Commits rows as JSON Lines once. The caller must not modify the rows afterwards. */
  commitJsonl<T>(key: string, rows: readonly T[]): Promise<ArtifactRef>;
  /**
   * Commits rows as JSON Lines and returns the rows committed under the key: these, or the ones
   * another attempt committed first. Figures an activity reports must come from these rows.
   */
  commitRows<T>(key: string, rows: readonly T[]): Promise<{ ref: ArtifactRef; rows: T[] }>;

  /** The bytes of a reference, checked against its sha256. */
  readBytes(ref: ArtifactRef): Promise<Buffer>;
  /** The JSON Lines rows of a reference, checked against its sha256 and row count. */
  readJsonl<T>(ref: ArtifactRef): Promise<T[]>;
  /** The rows of several references, in order. */
  readAllJsonl<T>(refs: readonly ArtifactRef[]): Promise<T[]>;
  /**
   * The first row of the object committed at `key`, or undefined when nothing is committed there
   * or the read finds it corrupt (and takes it out): for records a caller can do without.
   */
  readFirstRow<T>(key: string): Promise<T | undefined>;
  /**
   * A local file holding the verified bytes of a reference, for tools that want a path (an ONNX
   * session, a trainer command). Read-only: it may be the store's own file.
   */
  localFile(ref: ArtifactRef): Promise<string>;

  /** The reference a key held before it was found corrupt and taken out, if it was. */
  quarantinedRef(key: string): Promise<ArtifactRef | undefined>;
  /** Keys taken out as corrupt, in order (audits, the chaos suite). */
  quarantineLog(): Promise<QuarantineRecord[]>;
  /** Every commit so far (audits, and the tests' "each key committed exactly once"). */
  commitLog(): Promise<CommitRecord[]>;

  /** Adds rows to a batch's partial file; `start` is the batch position of the first of them. */
  appendPartial<T>(key: string, rows: readonly T[], start?: number): Promise<void>;
  /** The verified rows at the head of a batch's partial file, at most `count`. */
  readPartial<T>(key: string, count: number): Promise<T[]>;
  /** Starts a batch's partial file afresh with `keep` as its first rows. */
  resetPartial<T>(key: string, keep: readonly T[]): Promise<void>;
  /** Removes a batch's partial file once its output is committed. */
  clearPartial(key: string): Promise<void>;

  /** Committed keys directly inside a folder, sorted. */
  listCommitted(folder: string): Promise<string[]>;
  /** Sub-folders of a folder, sorted (for walking rounds and stages). */
  listFolders(folder: string): Promise<string[]>;

  /** Reads a small JSON document stored with `writeJson`, or undefined. */
  readJson<T>(key: string): Promise<T | undefined>;
  /** Atomically replaces a small JSON document (mutable state, not an artifact). */
  writeJson(key: string, value: unknown): Promise<void>;

  /**
   * A local folder for a key's working files (a trainer's scratch space, a cache). In a local
   * store it is the key's own folder, which every worker sees; otherwise it is private to this
   * process's machine, so nothing a run depends on may be left only there.
   */
  scratchDir(key: string): string;
  /**
   * Whether `scratchDir` folders are seen by every worker (a local store): when not, files a run
   * relies on being shared (the judgment ledger, dead letters) are mirrored into the store.
   */
  readonly sharedScratch: boolean;
}

/** Keys are relative paths of safe segments; nothing may climb out of the store. */
const KEY_PATTERN = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** Throws unless `key` is a valid artifact key. */
export function checkKey(key: string): void {
  if (!KEY_PATTERN.test(key) || key.split('/').some((part) => part === '..' || part === '.')) {
    throw new Error(`invalid artifact key "${key}"`);
  }
}

/** Rows in JSON Lines bytes: one per non-empty line. */
export function countLines(bytes: Uint8Array): number {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('utf8')
    .split('\n')
    .filter((line) => line.length > 0).length;
}

/** The JSON Lines bytes of rows. */
export function jsonlBytes(rows: readonly unknown[]): Buffer {
  return Buffer.from(rows.map((r) => `${JSON.stringify(r)}\n`).join(''), 'utf8');
}
