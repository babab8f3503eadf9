/**
 * The local filesystem artifact store. Objects are committed atomically: written to a temporary
 * name, flushed, renamed into place, and only then described by a manifest that is itself
 * renamed into place. A reader trusts an object only through its manifest, so a crash at any
 * point leaves either nothing or a whole, checksummed object. Committing a key that is already
 * committed returns the existing reference: that is what makes retried activities idempotent.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fsSync from 'node:fs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { keyOfRef, type ArtifactRef } from './artifact';
import { ArtifactReadCache } from './read-cache';

/** Raised when stored bytes do not match their manifest: the producer must recompute. */
export class ArtifactCorruptError extends Error {
  override readonly name = 'ArtifactCorruptError';
}

/**
 * Raised when the store's disk refuses a write (full, read-only, quota). Retryable: once a person
 * frees space or remounts the disk, the activity's next attempt goes on; committed objects are
 * untouched because every write goes to a temporary name first.
 */
export class ArtifactStoreUnwritableError extends Error {
  override readonly name = 'ArtifactStoreUnwritableError';
}

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
 * Writes and reads up to this size go synchronously. An atomic write is six file operations; through the
 * thread pool each also waits for a free pool thread and then for the event loop, which under a
 * busy worker costs far more than the write (a manifest commit measured ~10 ms async, ~1 ms
 * sync). Larger objects (checkpoints, big batches) stay asynchronous so their write does not hold
 * up heartbeats and the activities running beside them.
 */
const SYNC_WRITE_MAX_BYTES = 1024 * 1024;

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

/**
 * Test hook for the chaos suite (src/chaos): with RLAIF_CHAOS_KILL_ON_COMMIT=n, the process
 * SIGKILLs itself at its n-th new commit, after the object's temporary file is written and before
 * it is renamed into place, which is the worst moment for an atomic commit to be interrupted.
 */
const CHAOS_KILL_ON_COMMIT = Number(process.env.RLAIF_CHAOS_KILL_ON_COMMIT ?? 0);
let commitsStarted = 0;
function chaosKillOnCommit(): void {
  if (CHAOS_KILL_ON_COMMIT > 0 && ++commitsStarted === CHAOS_KILL_ON_COMMIT)
    process.kill(process.pid, 'SIGKILL');
}

/** One line of the commit log: who committed what, when. */
export interface CommitRecord {
  key: string;
  sha256: string;
  count: number;
  at: string;
}

const KEY_PATTERN = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

export class LocalArtifactStore {
  readonly root: string;
  /**
   * Parsed rows of artifacts read or committed recently, up to about 256 MiB of their JSONL, with
   * the identity of the file they came from: a hit is trusted only while the file is unchanged.
   */
  private readonly rowCache = new ArtifactReadCache<{ rows: unknown[]; file: FileIdentity }>(
    256 * 1024 * 1024,
  );

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** The file path of a key; rejects keys that could escape the root. */
  pathOf(key: string): string {
    if (!KEY_PATTERN.test(key) || key.split('/').some((part) => part === '..' || part === '.')) {
      throw new Error(`invalid artifact key "${key}"`);
    }
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

  private async writeAtomic(
    file: string,
    data: Uint8Array | string,
    beforeRename?: () => void,
  ): Promise<void> {
    const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    const size = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    if (size <= SYNC_WRITE_MAX_BYTES) {
      this.writeAtomicSync(file, tmp, data, beforeRename);
      return;
    }
    try {
      makeDirSync(path.dirname(file));
      const handle = await fs.open(tmp, 'w', 0o600);
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      beforeRename?.();
      await fs.rename(tmp, file);
    } catch (err) {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      throw unwritable(err, this.root, path.relative(this.root, file));
    }
  }

  /** `writeAtomic` for a small object: the same steps, without the thread pool. */
  private writeAtomicSync(
    file: string,
    tmp: string,
    data: Uint8Array | string,
    beforeRename?: () => void,
  ): void {
    try {
      makeDirSync(path.dirname(file));
      const fd = fsSync.openSync(tmp, 'w', 0o600);
      try {
        fsSync.writeFileSync(fd, data);
        fsSync.fsyncSync(fd);
      } finally {
        fsSync.closeSync(fd);
      }
      beforeRename?.();
      fsSync.renameSync(tmp, file);
    } catch (err) {
      try {
        fsSync.rmSync(tmp, { force: true });
      } catch {
        // the disk that refused the write may refuse this too; the error below says why
      }
      throw unwritable(err, this.root, path.relative(this.root, file));
    }
  }

  /**
   * Commits bytes under `key` once. If the key is already committed, the stored reference is
   * returned and the new bytes are dropped (a retry that recomputed the same batch).
   */
  async commitBytes(key: string, data: Uint8Array, count: number): Promise<ArtifactRef> {
    const existing = await this.get(key);
    if (existing) return existing;
    return this.commitNew(key, data, count, createHash('sha256').update(data).digest('hex'));
  }

  /** `commitBytes` once the key was found uncommitted and the bytes hashed. */
  private async commitNew(
    key: string,
    data: Uint8Array,
    count: number,
    sha256: string,
  ): Promise<ArtifactRef> {
    const lost = await this.readTombstone(key);
    // A recomputed object must be the one every holder of the old reference expects.
    if (lost && lost.sha256 !== sha256) {
      throw new ArtifactCorruptError(
        `artifact ${key} was recomputed after corruption but its sha256 ${sha256} differs from the ` +
          `committed ${lost.sha256}: its producer is not deterministic, so the run cannot go on safely`,
      );
    }
    await this.writeAtomic(this.pathOf(key), data, chaosKillOnCommit);
    const ref: ArtifactRef = { uri: `store:${key}`, sha256, count, bytes: data.byteLength };
    await this.writeAtomic(this.manifestPath(key), JSON.stringify(ref));
    const record: CommitRecord = { key, sha256, count, at: new Date().toISOString() };
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

  /**
   * Commits rows as JSON Lines. The rows stay in the read cache, so the next stage on this worker
   * reads them without parsing the file; the caller must not modify them afterwards.
   */
  async commitJsonl<T>(key: string, rows: readonly T[]): Promise<ArtifactRef> {
    const text = rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
    const bytes = Buffer.from(text, 'utf8');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const ref = (await this.get(key)) ?? (await this.commitNew(key, bytes, rows.length, sha256));
    // Only rows whose bytes are the committed ones (a retry may commit different rows in vain).
    const file = identityOf(this.pathOf(key));
    if (file && ref.sha256 === sha256 && file.size === bytes.byteLength) {
      this.rowCache.set(`${ref.uri}@${ref.sha256}`, { rows: rows.slice(), file }, ref.bytes);
    }
    return ref;
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
      // Bytes gone under a manifest that still vouches for them: as bad as flipped bytes.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || (await this.get(key))?.sha256 !== ref.sha256)
        throw err;
      await this.quarantine(ref, 'missing');
      throw new ArtifactCorruptError(
        `artifact ${key} is committed but its file is missing; it is no longer committed, so its producer recomputes it`,
      );
    }
    const sha = createHash('sha256').update(data).digest('hex');
    if (sha !== ref.sha256) {
      await this.quarantine(ref, sha);
      throw new ArtifactCorruptError(
        `artifact ${key} is corrupt: sha256 ${sha} does not match ${ref.sha256}; it was moved aside ` +
          `(${path.basename(key)}.corrupt-${sha.slice(0, 12)}) and is no longer committed, so its producer recomputes it`,
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
    await fs.rename(file, `${file}.corrupt-${foundSha.slice(0, 12)}`).catch(refused);
    await fs.rename(this.manifestPath(key), this.tombstonePath(key)).catch(refused);
    const record = { key, expected: ref.sha256, found: foundSha, at: new Date().toISOString() };
    await fs
      .appendFile(path.join(this.root, 'quarantine.log'), `${JSON.stringify(record)}\n`, { mode: 0o600 })
      .catch(refused);
  }

  private async readTombstone(key: string): Promise<ArtifactRef | undefined> {
    const text = readSmallFile(this.tombstonePath(key));
    return text === undefined ? undefined : (JSON.parse(text) as ArtifactRef);
  }

  /** Keys taken out of the store as corrupt, in order (for audits and the chaos suite). */
  async quarantineLog(): Promise<Array<{ key: string; expected: string; found: string; at: string }>> {
    try {
      const text = await fs.readFile(path.join(this.root, 'quarantine.log'), 'utf8');
      return text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { key: string; expected: string; found: string; at: string });
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
    const text = (await this.readBytes(ref)).toString('utf8');
    const rows = text
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

  /** Reads all rows of several references, in order. */
  async readAllJsonl<T>(refs: readonly ArtifactRef[]): Promise<T[]> {
    const parts = await Promise.all(refs.map((r) => this.readJsonl<T>(r)));
    return parts.flat();
  }

  /**
   * Appends rows to the partial (uncommitted) file of a batch in progress. A resumed attempt
   * reads back only as many rows as its last heartbeat reported, so a torn append is ignored.
   */
  async appendPartial<T>(key: string, rows: readonly T[]): Promise<void> {
    if (rows.length === 0) return;
    const file = `${this.pathOf(key)}.partial.jsonl`;
    const text = rows.map((r) => `${JSON.stringify(r)}\n`).join('');
    try {
      makeDirSync(path.dirname(file));
      if (text.length <= SYNC_WRITE_MAX_BYTES) fsSync.appendFileSync(file, text, { mode: 0o600 });
      else await fs.appendFile(file, text, { mode: 0o600 });
    } catch (err) {
      throw unwritable(err, this.root, `${key}.partial.jsonl`);
    }
  }

  /** The first `count` complete rows of a batch's partial file (fewer if it has fewer). */
  async readPartial<T>(key: string, count: number): Promise<T[]> {
    const file = `${this.pathOf(key)}.partial.jsonl`;
    // Usually there is none (a first attempt): say so without a trip through the thread pool.
    if (!fsSync.existsSync(file)) return [];
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const rows: T[] = [];
    for (const line of text.split('\n')) {
      if (rows.length >= count) break;
      try {
        rows.push(JSON.parse(line) as T);
      } catch {
        break;
      }
    }
    return rows;
  }

  /** Starts a batch's partial file afresh, keeping only its first `count` rows. */
  async resetPartial<T>(key: string, keep: readonly T[]): Promise<void> {
    const file = `${this.pathOf(key)}.partial.jsonl`;
    await this.writeAtomic(file, keep.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }

  /** Removes a batch's partial file once its output is committed. */
  async clearPartial(key: string): Promise<void> {
    fsSync.rmSync(`${this.pathOf(key)}.partial.jsonl`, { force: true });
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
    await this.writeAtomic(this.pathOf(key), JSON.stringify(value, null, 2));
  }
}
