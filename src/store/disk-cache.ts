/**
 * A bounded local cache of object bytes, keyed by their sha256: a worker reading a remote store
 * (S3) fetches a prompt file or a checkpoint once, however many batches or rounds read it. A
 * sha256 names one content forever, so an entry never goes stale; it is checked again on every
 * read all the same (a disk can flip bits), and a bad entry is dropped and fetched anew. When the
 * cache holds more than its bound, the entries used longest ago go first.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

const SHA = /^[0-9a-f]{64}$/;

export class DiskReadCache {
  private total = 0;
  /** sha256 → bytes, in order of last use (first = oldest). */
  private readonly entries = new Map<string, number>();

  constructor(
    readonly dir: string,
    private readonly maxBytes: number,
  ) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Entries left by an earlier process of this machine count against the bound too.
    const found = fs
      .readdirSync(dir)
      .filter((name) => SHA.test(name))
      .map((name) => ({ name, st: fs.statSync(path.join(dir, name)) }))
      .sort((a, b) => a.st.atimeMs - b.st.atimeMs);
    for (const { name, st } of found) {
      this.entries.set(name, st.size);
      this.total += st.size;
    }
    this.evict();
  }

  /** The path of a cached object with this sha256, verified, or undefined. */
  file(sha256: string): string | undefined {
    if (!this.entries.has(sha256)) return undefined;
    const file = path.join(this.dir, sha256);
    let data: Buffer;
    try {
      data = fs.readFileSync(file);
    } catch {
      this.forget(sha256);
      return undefined;
    }
    if (createHash('sha256').update(data).digest('hex') !== sha256) {
      this.forget(sha256);
      fs.rmSync(file, { force: true });
      return undefined;
    }
    this.touch(sha256);
    return file;
  }

  /** The verified bytes of a cached object, or undefined. */
  read(sha256: string): Buffer | undefined {
    const file = this.file(sha256);
    return file === undefined ? undefined : fs.readFileSync(file);
  }

  /** Keeps bytes whose sha256 the caller has checked; returns their path. */
  put(sha256: string, data: Uint8Array): string {
    if (!SHA.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    const file = path.join(this.dir, sha256);
    if (!this.entries.has(sha256)) {
      // Written under a temporary name and renamed, so a reader never sees half an entry.
      const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
      fs.writeFileSync(tmp, data, { mode: 0o600 });
      fs.renameSync(tmp, file);
      this.entries.set(sha256, data.byteLength);
      this.total += data.byteLength;
      this.evict(sha256);
    } else {
      this.touch(sha256);
    }
    return file;
  }

  private touch(sha256: string): void {
    const size = this.entries.get(sha256);
    if (size === undefined) return;
    this.entries.delete(sha256);
    this.entries.set(sha256, size);
  }

  private forget(sha256: string): void {
    const size = this.entries.get(sha256);
    if (size === undefined) return;
    this.entries.delete(sha256);
    this.total -= size;
  }

  /** Drops the oldest entries until the cache fits, keeping `keep` (just written, about to be read). */
  private evict(keep?: string): void {
    for (const [sha, size] of this.entries) {
      if (this.total <= this.maxBytes) break;
      if (sha === keep) continue;
      fs.rmSync(path.join(this.dir, sha), { force: true });
      this.entries.delete(sha);
      this.total -= size;
    }
  }

  /** Bytes held now (for tests and the bench). */
  get size(): number {
    return this.total;
  }
}
