/**
 * The S3 artifact store (`s3://bucket/prefix`): the same contract as the local folder (store.ts),
 * kept with what an object store offers, so that workers on several machines share nothing but
 * Temporal and the bucket. Works with AWS S3 and S3-compatible servers (`AWS_ENDPOINT_URL`):
 * the tests run it against the Versity S3 gateway.
 *
 * Layout under the prefix:
 *
 *     <key>.manifest.json               the commit: {uri, sha256, count, bytes, at}
 *     <key>.sha256-<hex>                the object's bytes, named by their sha256
 *     <key>.manifest.corrupt.json       tombstone of a quarantined commit
 *     <key>.corrupt-<hex>               bytes found corrupt, kept for inspection
 *     _rlaif/commits/<key>/<time>-<sha> one record per commit (the commit log)
 *     _rlaif/quarantine/<time>-<rand>   one record per quarantine
 *     _rlaif/partial/<key>/<start>-<rand>.jsonl   chunks of a batch in progress
 *
 * - **Exactly-once commit by a conditional write.** The manifest is created with
 *   `If-None-Match: *`, which the server grants to one writer of a key: of concurrent attempts,
 *   on any machines, the one whose manifest lands first has committed, the others get 412 and
 *   return its reference. An object's bytes are uploaded before its manifest under a name made of
 *   their sha256, so an upload never overwrites another attempt's different bytes and a crash
 *   before the manifest leaves the key uncommitted (a loser's upload is deleted).
 * - **Checksums the server verifies.** Every upload carries its SHA-256
 *   (`x-amz-checksum-sha256`; per part for multipart uploads), which the server checks before it
 *   stores anything: a body damaged in transit is refused, never stored. Every read is checked
 *   again against the reference.
 * - **Multipart for large objects** (checkpoints): parts of 8 MiB uploaded four at a time, so a
 *   large object is neither held back by one slow request nor limited by the 5 GiB of one PUT.
 * - **A bounded local read cache** (disk-cache.ts, keyed by sha256) and an in-memory cache of
 *   parsed rows, so a worker downloads an object once.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { keyOfRef, type ArtifactRef } from './artifact';
import { chaosKillOnCommit, chaosStoreHooks } from './chaos-hook';
import { DiskReadCache } from './disk-cache';
import { ArtifactCorruptError, ArtifactStoreUnwritableError } from './errors';
import { decodePartialRows, encodePartialRows } from './partial-rows';
import { ArtifactReadCache } from './read-cache';
import { checkReproduced, parseJsonlRows, RowsArtifactStore, type LinesCommit } from './rows-store';
import { checkKey, jsonlBytes, type ArtifactStore, type CommitRecord, type QuarantineRecord } from './store';

/** Where an `s3://bucket/prefix` URL points. */
export interface S3Location {
  bucket: string;
  /** The prefix without leading or trailing slash; empty for the bucket's root. */
  prefix: string;
}

/** Parses `s3://bucket[/prefix]`, or throws naming what is wrong. */
export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!m) {
    throw new Error(
      `artifact store "${url}": expected s3://bucket/prefix with a bucket name of 3–63 lowercase letters, digits, dots or hyphens`,
    );
  }
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix !== '') checkKey(prefix);
  return { bucket: m[1] as string, prefix };
}

export interface S3ArtifactStoreOptions {
  /** Client settings; by default the standard credential chain, region and `AWS_ENDPOINT_URL`. */
  client?: S3ClientConfig;
  /** The local read cache folder (default: $RLAIF_CACHE_DIR or <tmpdir>/rlaif-s3-cache/<bucket>). */
  cacheDir?: string;
  /** The read cache's bound in bytes (default: $RLAIF_STORE_CACHE_BYTES or 1 GiB). */
  cacheBytes?: number;
  /** This machine's scratch folders (default: beside the read cache). */
  scratchRoot?: string;
  /**
   * Objects from this size go multipart (default 16 MiB). One smaller than a part goes as a single
   * part (the chaos suite lowers it so that its small checkpoints go multipart).
   */
  multipartFrom?: number;
  /** Size of each part but the last (default 8 MiB; at least 5 MiB, S3's minimum part). */
  partBytes?: number;
}

const MiB = 1024 * 1024;

/** A client from the environment: the standard credential chain, and `AWS_ENDPOINT_URL` for S3-compatible servers. */
export function s3ClientFromEnv(config: S3ClientConfig = {}): S3Client {
  // The SDK warns on every process start that future releases will need Node 22; the project
  // supports Node 20 and pins its SDK release, so the warning only gets in the way of its output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const endpoint = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  return new S3Client({
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    // S3-compatible servers on a host of their own are addressed by path, not by bucket subdomain.
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    // The store sends the SHA-256 of every upload itself; the SDK's own CRC32 would be a second
    // checksum of the same bytes.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 6,
    ...config,
  });
}

interface S3Error {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}
const statusOf = (err: unknown) => (err as S3Error).$metadata?.httpStatusCode;
const isMissing = (err: unknown) =>
  statusOf(err) === 404 || (err as S3Error).name === 'NoSuchKey' || (err as S3Error).name === 'NotFound';
const isPreconditionFailed = (err: unknown) =>
  statusOf(err) === 412 || (err as S3Error).name === 'PreconditionFailed';
/** S3 answers 409 to a conditional write racing another one in flight: try again. */
const isConditionalConflict = (err: unknown) =>
  statusOf(err) === 409 && (err as S3Error).name !== 'BucketAlreadyOwnedByYou';

const sha256Hex = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const sha256B64 = (data: Uint8Array) => createHash('sha256').update(data).digest('base64');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stamp = () => new Date().toISOString().replace(/[:.]/g, '');

export class S3ArtifactStore extends RowsArtifactStore implements ArtifactStore {
  readonly location: string;
  /** Scratch folders are on this machine only. */
  readonly sharedScratch = false;
  readonly bucket: string;
  readonly prefix: string;
  readonly client: S3Client;
  private readonly cache: DiskReadCache;
  private readonly rowCache = new ArtifactReadCache<unknown[]>(256 * MiB);
  private readonly multipartFrom: number;
  private readonly partBytes: number;
  private readonly scratchRoot: string;

  constructor(url: string, options: S3ArtifactStoreOptions = {}) {
    super();
    const { bucket, prefix } = parseS3Url(url);
    this.bucket = bucket;
    this.prefix = prefix;
    this.location = `s3://${bucket}${prefix ? `/${prefix}` : ''}`;
    this.client = s3ClientFromEnv(options.client);
    const base = process.env.RLAIF_CACHE_DIR ?? path.join(os.tmpdir(), 'rlaif-s3-cache');
    this.cache = new DiskReadCache(
      options.cacheDir ?? path.join(base, bucket, 'objects'),
      options.cacheBytes ?? Number(process.env.RLAIF_STORE_CACHE_BYTES ?? 1024 * MiB),
    );
    this.scratchRoot = options.scratchRoot ?? path.join(base, bucket, 'scratch', prefix);
    this.partBytes = Math.max(5 * MiB, options.partBytes ?? 8 * MiB);
    this.multipartFrom = Math.max(1, options.multipartFrom ?? 16 * MiB);
  }

  /** The full URL of an object name, for messages. */
  private url(name: string): string {
    return `s3://${this.bucket}/${name}`;
  }

  /** The object name of a store key. */
  private name(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  private manifestName(key: string): string {
    return this.name(`${checked(key)}.manifest.json`);
  }

  private tombstoneName(key: string): string {
    return this.name(`${checked(key)}.manifest.corrupt.json`);
  }

  private dataName(key: string, sha256: string): string {
    return this.name(`${checked(key)}.sha256-${sha256}`);
  }

  /** A failure of the store itself, rephrased with where and what; retryable. */
  private failed(err: unknown, what: string): Error {
    const status = statusOf(err);
    const code = (err as S3Error).name ?? (err as S3Error).Code ?? 'error';
    const why =
      status === 403
        ? 'access denied: check the credentials this worker finds (AWS_PROFILE, AWS_ACCESS_KEY_ID, …) and the bucket policy'
        : status === 404 && code === 'NoSuchBucket'
          ? `the bucket ${this.bucket} does not exist: create it, or fix RLAIF_STORE`
          : (err as Error).message;
    return new ArtifactStoreUnwritableError(
      `artifact store ${this.location} failed while ${what} (${code}${status ? ` ${status}` : ''}: ${why}). ` +
        'The activity retries on its own; nothing committed so far is affected.',
    );
  }

  private async getObject(name: string): Promise<Buffer | undefined> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: name }));
      const body = res.Body as { transformToByteArray(): Promise<Uint8Array> } | undefined;
      if (!body) return Buffer.alloc(0);
      const bytes = await body.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw this.failed(err, `reading ${this.url(name)}`);
    }
  }

  /**
   * Uploads bytes with their SHA-256, which the server verifies. With `exclusive`, only if
   * nothing is at `name` yet: returns false when something was.
   */
  private async putObject(name: string, data: Uint8Array, exclusive = false): Promise<boolean> {
    if (!exclusive && data.byteLength >= this.multipartFrom) {
      await this.putMultipart(name, data);
      return true;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: name,
            Body: data,
            ContentLength: data.byteLength,
            ChecksumSHA256: sha256B64(data),
            ...(exclusive ? { IfNoneMatch: '*' } : {}),
          }),
        );
        return true;
      } catch (err) {
        if (exclusive && isPreconditionFailed(err)) return false;
        if (exclusive && isConditionalConflict(err) && attempt < 8) {
          await sleep(20 * 2 ** attempt);
          continue;
        }
        throw this.failed(err, `writing ${this.url(name)}`);
      }
    }
  }

  /** A multipart upload: each part checked by the server with its SHA-256; aborted on failure. */
  private async putMultipart(name: string, data: Uint8Array): Promise<void> {
    let uploadId: string | undefined;
    try {
      const created = await this.client.send(
        new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: name, ChecksumAlgorithm: 'SHA256' }),
      );
      uploadId = created.UploadId;
      const count = Math.ceil(data.byteLength / this.partBytes);
      const parts: Array<{ PartNumber: number; ETag?: string; ChecksumSHA256?: string }> = [];
      let next = 0;
      let done = 0;
      const uploadNext = async (): Promise<void> => {
        while (next < count) {
          const i = next++;
          const body = data.subarray(i * this.partBytes, Math.min(data.byteLength, (i + 1) * this.partBytes));
          const checksum = sha256B64(body);
          const res = await this.client.send(
            new UploadPartCommand({
              Bucket: this.bucket,
              Key: name,
              UploadId: uploadId,
              PartNumber: i + 1,
              Body: body,
              ContentLength: body.byteLength,
              ChecksumSHA256: checksum,
            }),
          );
          parts[i] = { PartNumber: i + 1, ...(res.ETag ? { ETag: res.ETag } : {}), ChecksumSHA256: checksum };
          await chaosStoreHooks().uploadInFlight?.(name, ++done, count);
        }
      };
      await Promise.all([1, 2, 3, 4].map(() => uploadNext()));
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: name,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    } catch (err) {
      if (uploadId) {
        await this.client
          .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: name, UploadId: uploadId }))
          .catch(() => undefined);
      }
      throw err instanceof ArtifactStoreUnwritableError
        ? err
        : this.failed(err, `uploading ${this.url(name)} in parts`);
    }
  }

  private async deleteObject(name: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: name }));
    } catch (err) {
      if (!isMissing(err)) throw this.failed(err, `deleting ${this.url(name)}`);
    }
  }

  /** Object names under a prefix (all pages), and the sub-prefixes when `delimiter` is given. */
  private async list(prefix: string, delimiter?: string): Promise<{ names: string[]; folders: string[] }> {
    const names: string[] = [];
    const folders: string[] = [];
    let token: string | undefined;
    do {
      let res;
      try {
        res = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            ...(delimiter ? { Delimiter: delimiter } : {}),
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
      } catch (err) {
        throw this.failed(err, `listing ${this.url(prefix)}`);
      }
      for (const o of res.Contents ?? []) if (o.Key) names.push(o.Key);
      for (const p of res.CommonPrefixes ?? []) if (p.Prefix) folders.push(p.Prefix);
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return { names, folders };
  }

  private async getJson<T>(name: string): Promise<T | undefined> {
    const bytes = await this.getObject(name);
    return bytes === undefined ? undefined : (JSON.parse(bytes.toString('utf8')) as T);
  }

  async get(key: string): Promise<ArtifactRef | undefined> {
    const m = await this.getJson<ArtifactRef & { at?: string }>(this.manifestName(key));
    return m && { uri: m.uri, sha256: m.sha256, count: m.count, bytes: m.bytes };
  }

  async commitBytes(key: string, data: Uint8Array, count: number): Promise<ArtifactRef> {
    return (await this.commit(key, data, count)).ref;
  }

  /** Commits once; `ours` says whether the committed bytes are these. */
  private async commit(
    key: string,
    data: Uint8Array,
    count: number,
  ): Promise<{ ref: ArtifactRef; ours: boolean }> {
    // Both small reads at once: each is a round trip to the server.
    const [existing, lost] = await Promise.all([this.get(key), this.quarantinedRef(key)]);
    if (existing) return { ref: existing, ours: false };
    const sha256 = sha256Hex(data);
    checkReproduced(key, lost, sha256);
    const dataName = this.dataName(key, sha256);
    await this.putObject(dataName, data);
    chaosKillOnCommit();
    await chaosStoreHooks().commitStarted?.(key);
    let at = new Date().toISOString();
    const ref: ArtifactRef = { uri: `store:${key}`, sha256, count, bytes: data.byteLength };
    // The attempt's own mark: a conditional write the server took but whose answer was lost (the
    // server restarted, the connection dropped) is retried by the SDK and refused with 412; the
    // mark tells that commit from another attempt's, so its record is still written, once.
    const attempt = randomBytes(8).toString('hex');
    const manifest = Buffer.from(JSON.stringify({ ...ref, at, attempt }));
    if (!(await this.putObject(this.manifestName(key), manifest, true))) {
      const winner = await this.getJson<ArtifactRef & { at: string; attempt?: string }>(
        this.manifestName(key),
      );
      if (!winner)
        throw this.failed(new Error('manifest vanished after a conflicting commit'), `committing ${key}`);
      const winnerRef = { uri: winner.uri, sha256: winner.sha256, count: winner.count, bytes: winner.bytes };
      if (winner.attempt !== attempt) {
        // Our upload is garbage unless it holds the winner's bytes.
        if (winner.sha256 !== sha256) await this.deleteObject(dataName);
        return { ref: winnerRef, ours: winner.sha256 === sha256 };
      }
      at = winner.at;
    }
    this.cache.put(sha256, data);
    await this.logCommit({ key, sha256, count, at });
    if (lost) await this.deleteObject(this.tombstoneName(key));
    if (data.byteLength >= this.multipartFrom) await this.abortUploads(`${this.name(key)}.sha256-`);
    return { ref, ours: true };
  }

  /**
   * Writes a commit's record. The commit has taken effect, so its record must follow it: a
   * failure is retried for longer than the SDK's own attempts (a server restarting), and the
   * record's name is fixed by its content, so writing it twice leaves one record.
   */
  private async logCommit(record: CommitRecord): Promise<void> {
    const name = this.name(commitRecordName(record));
    for (let attempt = 1; ; attempt++) {
      try {
        await this.putObject(name, Buffer.from(JSON.stringify(record)));
        return;
      } catch (err) {
        if (attempt >= 6) throw err;
        await sleep(500 * attempt);
      }
    }
  }

  /**
   * Aborts the multipart uploads in progress under a committed key's object names: attempts that
   * died mid-upload (a killed worker) or lost the commit. An incomplete upload is never an
   * object, but the server keeps its parts (and bills them) until it is aborted. Uploads of keys
   * that are never committed are left to a lifecycle rule (AbortIncompleteMultipartUpload).
   */
  private async abortUploads(prefix: string): Promise<void> {
    let uploads;
    try {
      uploads = await this.client.send(
        new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: prefix }),
      );
    } catch {
      return; // a clean-up: the lifecycle rule covers what is not aborted here
    }
    for (const u of uploads.Uploads ?? []) {
      if (!u.Key || !u.UploadId) continue;
      await this.client
        .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: u.Key, UploadId: u.UploadId }))
        .catch(() => undefined);
    }
  }

  /** See `RowsArtifactStore.commitLines`. */
  protected async commitLines<T>(key: string, rows: readonly T[]): Promise<LinesCommit> {
    const done = await this.commit(key, jsonlBytes(rows), rows.length);
    if (done.ours) this.rowCache.set(`${done.ref.uri}@${done.ref.sha256}`, rows.slice(), done.ref.bytes);
    return done;
  }

  async readBytes(ref: ArtifactRef): Promise<Buffer> {
    const cached = this.cache.read(ref.sha256);
    if (cached) return cached;
    const key = keyOfRef(ref);
    const data = await this.getObject(this.dataName(key, ref.sha256));
    if (data === undefined) {
      const current = await this.get(key);
      if (current === undefined && (await this.quarantinedRef(key))?.sha256 === ref.sha256)
        throw new ArtifactCorruptError(`artifact ${key} was found corrupt and is not recomputed yet`, ref);
      if (current?.sha256 !== ref.sha256)
        throw new Error(`artifact ${key} (sha256 ${ref.sha256.slice(0, 12)}…) is not in ${this.location}`);
      await this.quarantine(ref, 'missing', undefined);
      throw new ArtifactCorruptError(
        `artifact ${key} is committed but its object is missing; it is no longer committed, so its producer recomputes it`,
        ref,
      );
    }
    const sha = sha256Hex(data);
    if (sha !== ref.sha256) {
      await this.quarantine(ref, sha, data);
      throw new ArtifactCorruptError(
        `artifact ${key} is corrupt: sha256 ${sha} does not match ${ref.sha256}; it was moved aside ` +
          `(${path.posix.basename(key)}.corrupt-${sha.slice(0, 12)}) and is no longer committed, so its producer recomputes it`,
        ref,
      );
    }
    this.cache.put(sha, data);
    return data;
  }

  /** Takes a corrupt commit out: tombstone first, so a crash half-way leaves it to be found again. */
  private async quarantine(ref: ArtifactRef, foundSha: string, found: Buffer | undefined): Promise<void> {
    const key = keyOfRef(ref);
    const current = await this.get(key);
    if (!current || current.sha256 !== ref.sha256) return;
    // Logged before it is taken out: a worker killed half-way must not leave a key recommitted
    // with no record of why (the commit log would show it committed twice).
    const record: QuarantineRecord = {
      key,
      expected: ref.sha256,
      found: foundSha,
      at: new Date().toISOString(),
    };
    await this.putObject(
      this.name(`_rlaif/quarantine/${stamp()}-${randomBytes(4).toString('hex')}.json`),
      Buffer.from(JSON.stringify(record)),
    );
    if (found) await this.putObject(this.name(`${key}.corrupt-${foundSha.slice(0, 12)}`), found);
    await this.putObject(this.tombstoneName(key), Buffer.from(JSON.stringify(current)));
    await this.deleteObject(this.manifestName(key));
    await this.deleteObject(this.dataName(key, ref.sha256));
  }

  async quarantinedRef(key: string): Promise<ArtifactRef | undefined> {
    return this.getJson<ArtifactRef>(this.tombstoneName(key));
  }

  /** Records under `_rlaif/<folder>/`, oldest first (their names start with the time). */
  private async records<T>(folder: string, fromName?: (name: string) => T | undefined): Promise<T[]> {
    const { names } = await this.list(this.name(`_rlaif/${folder}/`));
    const sorted = names
      .map((n) => ({ n, t: path.posix.basename(n) }))
      .sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
    // A record its name describes costs nothing more; others are read, a few at a time.
    const found = await mapBounded<{ n: string }, T | undefined>(
      sorted,
      RECORD_READS,
      ({ n }) => fromName?.(n) ?? this.getJson<T>(n),
    );
    return found.filter((r): r is T => r !== undefined);
  }

  async quarantineLog(): Promise<QuarantineRecord[]> {
    return this.records<QuarantineRecord>('quarantine');
  }

  /** One listing of the log's folder: each record's name carries the whole record. */
  async commitLog(): Promise<CommitRecord[]> {
    const base = this.name('_rlaif/commits/');
    return this.records<CommitRecord>('commits', (name) => parseCommitRecordName(name.slice(base.length)));
  }

  async readJsonl<T>(ref: ArtifactRef): Promise<T[]> {
    const cacheKey = `${ref.uri}@${ref.sha256}`;
    const cached = this.rowCache.get(cacheKey);
    if (cached) return cached.slice() as T[];
    const rows = parseJsonlRows<T>(await this.readBytes(ref), ref);
    this.rowCache.set(cacheKey, rows, ref.bytes);
    return rows.slice();
  }

  async localFile(ref: ArtifactRef): Promise<string> {
    const hit = this.cache.file(ref.sha256);
    if (hit) return hit;
    return this.cache.put(ref.sha256, await this.readBytes(ref));
  }

  private partialPrefix(key: string): string {
    return this.name(`_rlaif/partial/${checked(key)}/`);
  }

  /** The partial chunks of a batch: `start` is the batch position of each chunk's first row. */
  private async partialChunks(key: string): Promise<Array<{ name: string; start: number }>> {
    const { names } = await this.list(this.partialPrefix(key));
    return names
      .map((name) => ({ name, start: Number(/\/(\d+)-[0-9a-f]+\.jsonl$/.exec(name)?.[1] ?? NaN) }))
      .filter((c) => Number.isFinite(c.start))
      .sort((a, b) => a.start - b.start);
  }

  /**
   * An object store cannot append: each call adds a chunk object named by the position of its
   * first row, and a reader joins the chunks in order of position.
   */
  async appendPartial<T>(key: string, rows: readonly T[], start?: number): Promise<void> {
    if (rows.length === 0) return;
    const at = start ?? (await this.readPartial(key, Number.MAX_SAFE_INTEGER)).length;
    const name = `${this.partialPrefix(key)}${String(at).padStart(9, '0')}-${randomBytes(4).toString('hex')}.jsonl`;
    await this.putObject(name, Buffer.from(encodePartialRows(rows, at), 'utf8'));
  }

  async readPartial<T>(key: string, count: number): Promise<T[]> {
    const chunks = await this.partialChunks(key);
    if (chunks.length === 0) return [];
    // Joins, from position 0, one chunk starting where the text so far ends; concurrent attempts
    // may both have written a chunk at one position, and either is whole and checksummed.
    let text = '';
    let next = 0;
    for (const c of chunks) {
      if (c.start !== next) continue;
      const body = await this.getObject(c.name);
      if (body === undefined) continue;
      const part = body.toString('utf8');
      const rows = decodePartialRows(text + part, Number.MAX_SAFE_INTEGER).length;
      if (rows <= next) break;
      text += part;
      next = rows;
      if (next >= count) break;
    }
    return decodePartialRows<T>(text, count);
  }

  async resetPartial<T>(key: string, keep: readonly T[]): Promise<void> {
    await this.clearPartial(key);
    await this.appendPartial(key, keep, 0);
  }

  async clearPartial(key: string): Promise<void> {
    for (const c of await this.partialChunks(key)) await this.deleteObject(c.name);
  }

  async listCommitted(folder: string): Promise<string[]> {
    const base = this.name(`${checked(folder)}/`);
    const { names } = await this.list(base, '/');
    return names
      .filter((n) => n.endsWith('.manifest.json'))
      .map((n) => `${folder}/${n.slice(base.length, -'.manifest.json'.length)}`)
      .sort();
  }

  async listFolders(folder: string): Promise<string[]> {
    const base = folder === '' ? (this.prefix ? `${this.prefix}/` : '') : this.name(`${checked(folder)}/`);
    const { folders } = await this.list(base, '/');
    return folders
      .map((f) => f.slice(base.length, -1))
      .filter((f) => f !== '_rlaif')
      .sort();
  }

  async readJson<T>(key: string): Promise<T | undefined> {
    return this.getJson<T>(this.name(checked(key)));
  }

  async writeJson(key: string, value: unknown): Promise<void> {
    await this.putObject(this.name(checked(key)), Buffer.from(JSON.stringify(value, null, 2)));
  }

  scratchDir(key: string): string {
    return path.join(this.scratchRoot, checked(key));
  }
}

/** Records read at once when their names do not carry them (a log written by an older release). */
const RECORD_READS = 16;

/** `f` over `items` with at most `limit` calls in flight; results in the order of `items`. */
async function mapBounded<A, B>(
  items: readonly A[],
  limit: number,
  f: (a: A) => Promise<B> | B,
): Promise<B[]> {
  const out: B[] = new Array<B>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i] as A);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

/**
 * The name of a commit record under `_rlaif/commits/`: `<key>/<time>-<sha256>-<count>.json`.
 * The name holds the whole record, so reading the log is one listing (1,000 records a page)
 * instead of one request per commit; the body holds the same record for people and tools.
 */
export function commitRecordName(r: CommitRecord): string {
  return `_rlaif/commits/${checked(r.key)}/${r.at.replace(/[:.]/g, '')}-${r.sha256}-${r.count}.json`;
}

const COMMIT_NAME = /^(.+)\/(\d{4}-\d\d-\d\dT)(\d\d)(\d\d)(\d\d)(\d{3})Z-([0-9a-f]{64})-(\d+)\.json$/;

/** The record a commit record's name (below `_rlaif/commits/`) describes, or undefined. */
export function parseCommitRecordName(name: string): CommitRecord | undefined {
  const m = COMMIT_NAME.exec(name);
  if (!m) return undefined;
  const [, key, day, h, min, sec, ms, sha256, count] = m as unknown as string[];
  return { key: key!, sha256: sha256!, count: Number(count), at: `${day}${h}:${min}:${sec}.${ms}Z` };
}

function checked(key: string): string {
  checkKey(key);
  return key;
}
