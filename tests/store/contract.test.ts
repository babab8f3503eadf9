/**
 * The ArtifactStore contract (src/store/store.ts), written once and run against both stores: the
 * local folder, and S3 on a real S3-compatible server (the Versity gateway on a free port).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { keyOfRef } from '../../src/store/artifact';
import { LocalArtifactStore } from '../../src/store/local-store';
import { S3ArtifactStore } from '../../src/store/s3-store';
import type { ArtifactStore } from '../../src/store/store';
import { useS3Server } from '../helpers/s3-server';

/** A store implementation under test: fresh stores on one namespace, and a way to damage bytes. */
interface Subject {
  /** A new namespace; `open()` gives another store on it (as another worker would have). */
  fresh(): { open: () => ArtifactStore };
  /** Replaces the stored bytes of a committed reference with others, behind the store's back. */
  corrupt(store: ArtifactStore, key: string, sha256: string): Promise<void>;
}

const sha = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
const key = 'runs/r/round-0001/generate/batch-0000-of-0002.jsonl';
const MiB = 1024 * 1024;

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-contract-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let n = 0;
const local: Subject = {
  fresh() {
    const root = path.join(tmp, `local-${++n}`);
    return { open: () => new LocalArtifactStore(root) };
  },
  async corrupt(store, k) {
    const file = (store as LocalArtifactStore).pathOf(k);
    const bytes = fs.readFileSync(file);
    bytes[0] = bytes[0]! ^ 0xff;
    fs.writeFileSync(file, bytes);
  },
};

const s3server = useS3Server(['contract']);
const s3: Subject = {
  fresh() {
    const url = `s3://contract/ns-${++n}`;
    const cacheDir = path.join(tmp, `cache-${n}`);
    // Each open() has a cache of its own, as a worker on another machine would.
    let opened = 0;
    return {
      open: () =>
        new S3ArtifactStore(url, {
          cacheDir: `${cacheDir}-${++opened}`,
          multipartFrom: 6 * MiB,
          partBytes: 5 * MiB,
        }),
    };
  },
  async corrupt(store, k, expected) {
    const s = store as S3ArtifactStore;
    await s.client.send(
      new PutObjectCommand({
        Bucket: s.bucket,
        Key: `${s.prefix}/${k}.sha256-${expected}`,
        Body: Buffer.from('{"flipped":true}\n'),
      }),
    );
  },
};

describe.each([
  ['LocalArtifactStore', local],
  ['S3ArtifactStore', s3],
] as const)('%s keeps the ArtifactStore contract', (_name, subject) => {
  test('a commit is read back verified, and committing the key again returns the first commit', async () => {
    const { open } = subject.fresh();
    const store = open();
    const rows = [
      { id: 'a', text: 'one' },
      { id: 'b', text: 'two' },
    ];
    const ref = await store.commitJsonl(key, rows);
    expect(ref).toEqual({
      uri: `store:${key}`,
      sha256: sha(rows.map((r) => `${JSON.stringify(r)}\n`).join('')),
      count: 2,
      bytes: Buffer.byteLength(rows.map((r) => `${JSON.stringify(r)}\n`).join('')),
    });
    expect(await store.get(key)).toEqual(ref);
    expect(await open().readJsonl(ref)).toEqual(rows);
    const again = await open().commitRows(key, [{ id: 'c', text: 'other' }]);
    expect(again.ref).toEqual(ref);
    expect(again.rows).toEqual(rows);
    expect((await open().commitLog()).map((c) => [c.key, c.sha256])).toEqual([[key, ref.sha256]]);
    expect(await store.readFirstRow(key)).toEqual(rows[0]);
    expect(await store.readFirstRow(`${key}.none`)).toBeUndefined();
  });

  test('of concurrent commits of different bytes by separate workers, exactly one is committed', async () => {
    const { open } = subject.fresh();
    const attempts = [1, 2, 3, 4, 5, 6].map((i) => [{ id: 'x', response: `attempt ${i}`.repeat(i) }]);
    const results = await Promise.all(attempts.map((rows) => open().commitRows(key, rows)));
    const first = results[0]!;
    for (const r of results) {
      expect(r.ref).toEqual(first.ref);
      expect(r.rows).toEqual(first.rows);
    }
    expect(attempts.map((a) => JSON.stringify(a))).toContain(JSON.stringify(first.rows));
    expect(await open().readJsonl(first.ref)).toEqual(first.rows);
    const log = await open().commitLog();
    expect(log.filter((c) => c.key === key)).toHaveLength(1);
    expect(await open().listCommitted('runs/r/round-0001/generate')).toEqual([key]);
  });

  test('bytes found corrupt are quarantined; only the expected bytes may be committed again', async () => {
    const { open } = subject.fresh();
    const store = open();
    const rows = [{ id: 'a', v: 1 }];
    const ref = await store.commitJsonl(key, rows);
    await subject.corrupt(store, key, ref.sha256);
    const reader = open();
    await expect(reader.readJsonl(ref)).rejects.toMatchObject({ name: 'ArtifactCorruptError' });
    expect(await reader.get(key)).toBeUndefined();
    expect(await reader.quarantinedRef(key)).toEqual(ref);
    expect((await reader.quarantineLog()).map((q) => [q.key, q.expected])).toEqual([[key, ref.sha256]]);
    await expect(reader.commitJsonl(key, [{ id: 'a', v: 2 }])).rejects.toMatchObject({
      name: 'ArtifactNotReproducibleError',
    });
    expect(await reader.commitJsonl(key, rows)).toEqual(ref);
    expect(await open().readJsonl(ref)).toEqual(rows);
    expect(await open().quarantinedRef(key)).toBeUndefined();
  });

  test('large objects (multipart on S3) are committed and read back byte for byte', async () => {
    const { open } = subject.fresh();
    const big = Buffer.alloc(13 * MiB);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    const blob = 'runs/r/round-0001/optimize-policy/policy.onnx';
    const ref = await open().commitBytes(blob, big, 1);
    expect(ref.sha256).toBe(sha(big));
    const other = open();
    expect(sha(await other.readBytes(ref))).toBe(ref.sha256);
    const file = await other.localFile(ref);
    expect(sha(fs.readFileSync(file))).toBe(ref.sha256);
  });

  test('partial rows: appended, read back in order, reset and cleared; never listed as committed', async () => {
    const { open } = subject.fresh();
    const store = open();
    const rows = [0, 1, 2, 3, 4].map((i) => ({ i }));
    await store.appendPartial(key, rows.slice(0, 3), 0);
    await store.appendPartial(key, rows.slice(3));
    expect(await open().readPartial(key, 10)).toEqual(rows);
    expect(await open().readPartial(key, 2)).toEqual(rows.slice(0, 2));
    expect(await store.listCommitted('runs/r/round-0001/generate')).toEqual([]);
    await store.resetPartial(key, rows.slice(0, 1));
    expect(await open().readPartial(key, 10)).toEqual(rows.slice(0, 1));
    await store.clearPartial(key);
    expect(await open().readPartial(key, 10)).toEqual([]);
  });

  test('folders, mutable documents and bad keys', async () => {
    const { open } = subject.fresh();
    const store = open();
    await store.commitJsonl('runs/r/round-0001/judge/b.jsonl', [{}]);
    await store.commitJsonl('runs/r/round-0002/judge/b.jsonl', [{}]);
    expect(await open().listFolders('runs/r')).toEqual(['round-0001', 'round-0002']);
    expect(await open().listFolders('runs')).toEqual(['r']);
    expect(await store.readJson('runs/r/state.json')).toBeUndefined();
    await store.writeJson('runs/r/state.json', { round: 1 });
    await open().writeJson('runs/r/state.json', { round: 2 });
    expect(await open().readJson('runs/r/state.json')).toEqual({ round: 2 });
    await expect(store.commitJsonl('runs/../escape', [{}])).rejects.toThrow(/invalid artifact key/);
    expect(keyOfRef({ uri: `store:${key}`, sha256: '', count: 0, bytes: 0 })).toBe(key);
  });
});

test('the S3 store names its server and bucket when the bucket is missing', async () => {
  void s3server();
  const store = new S3ArtifactStore('s3://no-such-bucket/x', { cacheDir: path.join(tmp, 'nb') });
  await expect(store.commitJsonl(key, [{}])).rejects.toThrow(/s3:\/\/no-such-bucket\/x.*NoSuchBucket/s);
});
