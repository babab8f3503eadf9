/**
 * The local filesystem artifact store: a folder every worker of a run sees. It keeps the contract
 * of `ArtifactStore` (store.ts) this way:
 *
 * - Atomic, checksummed, exclusive commit. An object is written to a temporary name and flushed,
 *   then hard-linked to its key, which fails if the key's file exists: of concurrent attempts
 *   (a heartbeat timeout starts a retry while the first attempt still runs) exactly one places its
 *   bytes. Its manifest (`{uri, sha256, count, bytes}`) is created the same way, and only the
 *   attempt that creates it logs the commit. An attempt that loses gets the winner's reference,
 *   whatever its own bytes were: producers such as endpoint generation and LLM judging are not
 *   deterministic, and the first commit is the one every reader sees. A crash between the file and
 *   its manifest leaves a whole file that the next commit of the key adopts.
 * - Verified read. A reader trusts an object only through its manifest and checks its sha256 (and
 *   row count); a crash at any point leaves either nothing or a whole, checksummed object.
 * - List. Committed keys are the ones with a manifest; temporary and partial files never are.
 * - Quarantine. An object found corrupt or missing is moved aside and its manifest becomes a
 *   tombstone: the key reads as uncommitted, its producer recomputes it, and only the bytes every
 *   holder of the old reference expects may take its place.
 *
 * Committing a key that is already committed returns the existing reference: that is what makes
 * retried activities idempotent.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fsSync from 'node:fs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { keyOfRef, type ArtifactRef } from './artifact';
import { decodePartialRows, encodePartialRows } from './partial-rows';
import { ArtifactReadCache } from './read-cache';
import { ArtifactCorruptError, ArtifactStoreUnwritableError } from './errors';
import { chaosKillOnCommit } from './chaos-hook';
import { checkReproduced, parseJsonlRows, RowsArtifactStore, type LinesCommit } from './rows-store';
import { checkKey, countLines, type ArtifactStore, type CommitRecord, type QuarantineRecord } from './store';

export { ArtifactCorruptError, ArtifactNotReproducibleError, ArtifactStoreUnwritableError } from './errors';
export type { CommitRecord } from './store';

const UNWRITABLE: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

/** A write error of the disk itself, rephrased as what a person must do; other errors unchanged. */
function unwritable(err: unknown, root: string, what: string): unknown {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const why = UNWRITABLE[code];
  if (!why) return err;
  return new ArtifactStoreUnwritableError(
    `artifact store ${root} cannot be written (${code}: ${why}) while writing ${what}. ` +
      'Free space on that disk or make it writable again: the activity retries on its own and the run ' +
      'goes on (or resume it with "rlaif resume <workflowId>" if it ran out of attempts). Nothing ' +
      'committed so far is affected.',
  );
}

/**
 * `mkdir -p` that reports why it failed: Node's recursive mkdir says ENOENT when the disk refuses
 * to create a missing parent (read-only, full), which would hide what a person has to fix.
 * Synchronous: one quick call, not worth a trip through the thread pool.
 */
function makeDirSync(dir: string): void {
  try {
    fsSync.mkdirSync(dir, { recursive: true, mode: 0o700 });
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const missing: string[] = [];
  for (let d = dir; !fsSync.existsSync(d); d = path.dirname(d)) {
    missing.unshift(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing) {
    try {
      fsSync.mkdirSync(d, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/**
 * Writes and reads up to this size go synchronously. An atomic write is half a dozen file
 * operations; through the thread pool each also waits for a free pool thread and then for the
 * event loop, which under a busy worker costs far more than the write (a manifest commit measured
 * ~10 ms async, ~1 ms sync). Larger objects (checkpoints, big batches) stay asynchronous so their
 * write does not hold up heartbeats and the activities running beside them.
 */
const SYNC_WRITE_MAX_BYTES = 1024 * 1024;

/** Removes a temporary file; a disk that refuses it is already failing the write that made it. */
function removeQuietly(file: string): void {
  try {
    fsSync.rmSync(file, { force: true });
  } catch {
    // the error of the write itself says why
  }
}

/** Reads a small file (a manifest, a tombstone), or undefined if it does not exist. */
function readSmallFile(file: string): string | undefined {
  try {
    return fsSync.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** What says a file was not rewritten since it was read: any write changes its mtime. */
interface FileIdentity {
  ino: number;
  size: number;
  mtimeMs: number;
}

function identityOf(file: string): FileIdentity | undefined {
  const st = fsSync.statSync(file, { throwIfNoEntry: false });
  return st && { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
}

const sameFile = (a: FileIdentity, b: FileIdentity | undefined) =>
  b !== undefined && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;

export class LocalArtifactStore extends RowsArtifactStore implements ArtifactStore {
  readonly root: string;
  /**
   * Parsed rows of artifacts read or committed recently, up to about 256 MiB of their JSONL, with
   * the identity of the file they came from: a hit is trusted only while the file is unchanged.
   */
  private readonly rowCache = new ArtifactReadCache<{ rows: unknown[]; file: FileIdentity }>(
    256 * 1024 * 1024,
  );

  constructor(root: string) {
    super();
    this.root = path.resolve(root);
  }

  get location(): string {
    return this.root;
  }

  /** Scratch folders are the store's own folders, which every worker sees. */
  readonly sharedScratch = true;

  /** The file path of a key; rejects keys that could escape the root. */
  pathOf(key: string): string {
    checkKey(key);
    return path.join(this.root, key);
  }

  private manifestPath(key: string): string {
    return `${this.pathOf(key)}.manifest.json`;
  }

  private tombstonePath(key: string): string {
    return `${this.pathOf(key)}.manifest.corrupt.json`;
  }

  /** The committed reference at `key`, or undefined when nothing is committed there. */
  async get(key: string): Promise<ArtifactRef | undefined> {
    // A manifest is a few hundred bytes: read it synchronously (see SYNC_WRITE_MAX_BYTES).
    const text = readSmallFile(this.manifestPath(key));
    return text === undefined ? undefined : (JSON.parse(text) as ArtifactRef);
  }

  /**
   * Writes `data` to a temporary name beside `file`, flushes it, then puts it in place: renamed
   * over whatever is there, or, when `exclusive`, hard-linked to `file`, which fails if `file`
   * exists (unlike a rename), so that of concurrent writers exactly one places its bytes. Returns
   * false when another writer's file was there first. Readers never see a half-written file.
   */
  private async place(
    file: string,
    data: Uint8Array | string,
    exclusive: boolean,
    beforePlace?: () => void,
  ): Promise<boolean> {
    const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    const size = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    try {
      makeDirSync(path.dirname(file));
      if (size <= SYNC_WRITE_MAX_BYTES) {
        const fd = fsSync.openSync(tmp, 'w', 0o600);
        try {
          fsSync.writeFileSync(fd, data);
          fsSync.fsyncSync(fd);
        } finally {
          fsSync.closeSync(fd);
        }
      } else {
        const handle = await fs.open(tmp, 'w', 0o600);
        try {
          await handle.writeFile(data);
          await handle.sync();
        } finally {
          await handle.close();
        }
      }
      beforePlace?.();
      // Renaming and linking only touch the directory: quick enough to do without the thread pool.
      if (!exclusive) {
        fsSync.renameSync(tmp, file);
        return true;
      }
      let placed = true;
      try {
        fsSync.linkSync(tmp, file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        placed = false;
      }
      removeQuietly(tmp);
      return placed;
    } catch (err) {
      removeQuietly(tmp);
      throw unwritable(err, this.root, path.relative(this.root, file));
    }
  }

  /**
   * Commits bytes under `key` once. If the key is already committed, or another attempt commits
   * it first, that reference is returned and these bytes are dropped.
   */
  async commitBytes(key: string, data: Uint8Array, count: number): Promise<ArtifactRef> {
    const existing = await this.get(key);
    if (existing) return existing;
    return this.commitNew(key, data, createHash('sha256').update(data).digest('hex'), count);
  }

  /**
   * `commitBytes` once the key was found uncommitted and the bytes hashed. `recount` gives the row
   * count of another attempt's bytes that were placed first (else `count` is theirs too).
   */
  private async commitNew(
    key: string,
    data: Uint8Array,
    sha256: string,
    count: number,
    recount?: (bytes: Uint8Array) => number,
  ): Promise<ArtifactRef> {
    const lost = await this.readTombstone(key);
    checkReproduced(key, lost, sha256);
    const file = this.pathOf(key);
    let ref: ArtifactRef = { uri: `store:${key}`, sha256, count, bytes: data.byteLength };
    if (!(await this.place(file, data, true, chaosKillOnCommit))) {
      // Another attempt placed its file first (and is writing its manifest, or died before it):
      // its bytes are the object. Describe them; the manifest below is exclusive too.
      const theirs = await fs.readFile(file);
      ref = {
        ...ref,
        sha256: createHash('sha256').update(theirs).digest('hex'),
        count: recount ? recount(theirs) : count,
        bytes: theirs.byteLength,
      };
    }
    if (!(await this.place(this.manifestPath(key), JSON.stringify(ref), true))) {
      // The other attempt described the same file first, and logged the commit.
      return (await this.get(key)) ?? ref;
    }
    const record: CommitRecord = { key, sha256: ref.sha256, count: ref.count, at: new Date().toISOString() };
    try {
      fsSync.appendFileSync(path.join(this.root, 'commits.log'), `${JSON.stringify(record)}\n`, {
        mode: 0o600,
      });
    } catch (err) {
      throw unwritable(err, this.root, 'commits.log');
    }
    if (lost) fsSync.rmSync(this.tombstonePath(key), { force: true });
    return ref;
  }

  /** See `RowsArtifactStore.commitLines`: the rows stay cached with the identity of their file. */
  protected async commitLines<T>(key: string, rows: readonly T[]): Promise<LinesCommit> {
    const text = rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
    const bytes = Buffer.from(text, 'utf8');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const ref = (await this.get(key)) ?? (await this.commitNew(key, bytes, sha256, rows.length, countLines));
    if (ref.sha256 !== sha256) return { ref, ours: false };
    const file = identityOf(this.pathOf(key));
    if (file && file.size === bytes.byteLength) {
      this.rowCache.set(`${ref.uri}@${ref.sha256}`, { rows: rows.slice(), file }, ref.bytes);
    }
    return { ref, ours: true };
  }

  /** Reads the bytes of a reference, verifying their checksum. */
  async readBytes(ref: ArtifactRef): Promise<Buffer> {
    const key = keyOfRef(ref);
    let data: Buffer;
    try {
      // Small objects (a batch, a demo checkpoint) are read without the thread pool, like writes.
      data =
        ref.bytes <= SYNC_WRITE_MAX_BYTES
          ? fsSync.readFileSync(this.pathOf(key))
          : await fs.readFile(this.pathOf(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      const current = await this.get(key);
      // Taken out by an earlier reader that found it corrupt, and not yet recomputed.
      if (current === undefined && (await this.readTombstone(key))?.sha256 === ref.sha256)
        throw new ArtifactCorruptError(`artifact ${key} was found corrupt and is not recomputed yet`, ref);
      // Bytes gone under a manifest that still vouches for them: as bad as flipped bytes.
      if (current?.sha256 !== ref.sha256) throw err;
      await this.quarantine(ref, 'missing');
      throw new ArtifactCorruptError(
        `artifact ${key} is committed but its file is missing; it is no longer committed, so its producer recomputes it`,
        ref,
      );
    }
    const sha = createHash('sha256').update(data).digest('hex');
    if (sha !== ref.sha256) {
      await this.quarantine(ref, sha);
      throw new ArtifactCorruptError(
        `artifact ${key} is corrupt: sha256 ${sha} does not match ${ref.sha256}; it was moved aside ` +
          `(${path.basename(key)}.corrupt-${sha.slice(0, 12)}) and is no longer committed, so its producer recomputes it`,
        ref,
      );
    }
    return data;
  }

  /**
   * Takes a corrupt object out of the store: its bytes are kept aside for inspection and its
   * manifest becomes a tombstone, so the key reads as uncommitted (its producer recomputes it)
   * and the recomputed bytes must match the checksum every holder of the reference expects.
   */
  private async quarantine(ref: ArtifactRef, foundSha: string): Promise<void> {
    const key = keyOfRef(ref);
    const file = this.pathOf(key);
    const current = await this.get(key);
    // Only the commit the reader holds is taken out; a concurrent reader may have done it already.
    if (!current || current.sha256 !== ref.sha256) return;
    // A concurrent reader may have moved a file first (ENOENT); a disk that refuses the move must
    // say so, or the object would stay committed and every retry would read it corrupt again.
    const refused = (err: unknown) => {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        throw unwritable(err, this.root, `${key} (quarantine)`);
    };
    // Logged before it is taken out: a worker killed half-way must not leave a key recommitted
    // with no record of why (the commit log would show it committed twice).
    const record = { key, expected: ref.sha256, found: foundSha, at: new Date().toISOString() };
    await fs
      .appendFile(path.join(this.root, 'quarantine.log'), `${JSON.stringify(record)}\n`, { mode: 0o600 })
      .catch(refused);
    await fs.rename(file, `${file}.corrupt-${foundSha.slice(0, 12)}`).catch(refused);
    await fs.rename(this.manifestPath(key), this.tombstonePath(key)).catch(refused);
  }

  /** The reference a key held before it was found corrupt and taken out, if it was. */
  async quarantinedRef(key: string): Promise<ArtifactRef | undefined> {
    return this.readTombstone(key);
  }

  private async readTombstone(key: string): Promise<ArtifactRef | undefined> {
    const text = readSmallFile(this.tombstonePath(key));
    return text === undefined ? undefined : (JSON.parse(text) as ArtifactRef);
  }

  /** Keys taken out of the store as corrupt, in order (for audits and the chaos suite). */
  async quarantineLog(): Promise<QuarantineRecord[]> {
    try {
      const text = await fs.readFile(path.join(this.root, 'quarantine.log'), 'utf8');
      return text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as QuarantineRecord);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  /**
   * Reads JSON Lines rows of a reference, verifying checksum and row count. Rows of an artifact
   * read or committed before come from memory while its file is unchanged (artifacts are
   * immutable); callers get their own array but share the row objects, which they must not modify.
   */
  async readJsonl<T>(ref: ArtifactRef): Promise<T[]> {
    const cacheKey = `${ref.uri}@${ref.sha256}`;
    const file = this.pathOf(keyOfRef(ref));
    const cached = this.rowCache.get(cacheKey);
    // A file written since (flipped bytes, a restore) is read and verified again.
    if (cached && sameFile(cached.file, identityOf(file))) return cached.rows.slice() as T[];
    if (cached) this.rowCache.delete(cacheKey);
    const before = identityOf(file);
    const rows = await this.parseJsonl<T>(ref);
    if (before) this.rowCache.set(cacheKey, { rows, file: before }, ref.bytes);
    return rows.slice();
  }

  private async parseJsonl<T>(ref: ArtifactRef): Promise<T[]> {
    return parseJsonlRows<T>(await this.readBytes(ref), ref);
  }

  private partialPath(key: string): string {
    return `${this.pathOf(key)}.partial.jsonl`;
  }

  /**
   * Appends rows to the partial (uncommitted) file of a batch in progress, each with its checksum
   * (see partial-rows.ts). `start` is the position in the batch of the first of them; by default
   * they go after the lines the file holds, which costs reading it.
   */
  async appendPartial<T>(key: string, rows: readonly T[], start?: number): Promise<void> {
    if (rows.length === 0) return;
    const file = this.partialPath(key);
    const after = start ?? (readSmallFile(file) ?? '').split('\n').length - 1;
    const text = encodePartialRows(rows, after);
    try {
      makeDirSync(path.dirname(file));
      if (text.length <= SYNC_WRITE_MAX_BYTES) fsSync.appendFileSync(file, text, { mode: 0o600 });
      else await fs.appendFile(file, text, { mode: 0o600 });
    } catch (err) {
      throw unwritable(err, this.root, `${key}.partial.jsonl`);
    }
  }

  /**
   * The verified rows at the head of a batch's partial file, at most `count`: reading stops at the
   * first torn, edited or misplaced row, so what follows it is recomputed, never committed.
   */
  async readPartial<T>(key: string, count: number): Promise<T[]> {
    const file = this.partialPath(key);
    // Usually there is none (a first attempt): say so without a trip through the thread pool.
    if (!fsSync.existsSync(file)) return [];
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return decodePartialRows<T>(text, count);
  }

  /** Starts a batch's partial file afresh with `keep` as its first rows. */
  async resetPartial<T>(key: string, keep: readonly T[]): Promise<void> {
    await this.place(this.partialPath(key), encodePartialRows(keep, 0), false);
  }

  /** Removes a batch's partial file once its output is committed. */
  async clearPartial(key: string): Promise<void> {
    fsSync.rmSync(this.partialPath(key), { force: true });
  }

  /** Every commit so far, for audits and tests ("each batch committed exactly once"). */
  async commitLog(): Promise<CommitRecord[]> {
    try {
      const text = await fs.readFile(path.join(this.root, 'commits.log'), 'utf8');
      return text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as CommitRecord);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  /** Committed keys directly inside a folder (by their manifests), sorted. */
  async listCommitted(folder: string): Promise<string[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.pathOf(folder));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names
      .filter((n) => n.endsWith('.manifest.json'))
      .map((n) => `${folder}/${n.slice(0, -'.manifest.json'.length)}`)
      .sort();
  }

  /** Sub-folders of a folder, sorted (for walking rounds and stages). */
  async listFolders(folder: string): Promise<string[]> {
    try {
      const entries = await fs.readdir(this.pathOf(folder), { withFileTypes: true });
      return entries
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  /** Reads a small JSON document stored with `writeJson` (not an artifact: mutable state). */
  async readJson<T>(key: string): Promise<T | undefined> {
    try {
      return JSON.parse(await fs.readFile(this.pathOf(key), 'utf8')) as T;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Atomically replaces a small JSON document (used for the run checkpoint). */
  async writeJson(key: string, value: unknown): Promise<void> {
    await this.place(this.pathOf(key), JSON.stringify(value, null, 2), false);
  }

  /** The store's own file, once its bytes are verified: every worker sees this folder. */
  async localFile(ref: ArtifactRef): Promise<string> {
    await this.readBytes(ref);
    return this.pathOf(keyOfRef(ref));
  }

  /** The key's own folder: shared with every worker of the store. */
  scratchDir(key: string): string {
    return this.pathOf(key);
  }
}
