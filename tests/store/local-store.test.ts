/** The artifact store: commit once, verify on read, stay inside its root, files for the user only. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runKeyFor } from '../../src/store/artifact';
import { LocalArtifactStore } from '../../src/store/local-store';

let root: string;
let store: LocalArtifactStore;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-store-test-'));
  store = new LocalArtifactStore(root);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

test('a key is committed once; a second commit returns the first reference and logs nothing', async () => {
  const first = await store.commitJsonl('runs/a/x.jsonl', [{ n: 1 }, { n: 2 }]);
  const second = await store.commitJsonl('runs/a/x.jsonl', [{ n: 3 }]);
  expect(second).toEqual(first);
  expect(first).toMatchObject({ uri: 'store:runs/a/x.jsonl', count: 2 });
  expect(await store.readJsonl(first)).toEqual([{ n: 1 }, { n: 2 }]);
  expect((await store.commitLog()).map((c) => c.key)).toEqual(['runs/a/x.jsonl']);
});

test('bytes changed on disk are detected on read', async () => {
  const ref = await store.commitBytes('runs/a/blob.bin', new Uint8Array([1, 2, 3]), 1);
  fs.writeFileSync(store.pathOf('runs/a/blob.bin'), Buffer.from([1, 2, 4]));
  await expect(new LocalArtifactStore(root).readBytes(ref)).rejects.toThrow(
    /is corrupt: sha256 .* does not match/,
  );
});

test('rows read or committed before come from memory only while their file is unchanged', async () => {
  const ref = await store.commitJsonl('runs/a/rows.jsonl', [{ n: 1 }, { n: 2 }]);
  // A retry that committed other rows of the same size must not put them in the cache.
  expect(await store.commitJsonl('runs/a/rows.jsonl', [{ n: 3 }, { n: 4 }])).toEqual(ref);
  expect(await store.readJsonl(ref)).toEqual([{ n: 1 }, { n: 2 }]);
  // A byte flipped on disk after the commit is caught by the same store's next read.
  const file = store.pathOf('runs/a/rows.jsonl');
  const bytes = fs.readFileSync(file);
  bytes[3] = (bytes[3] as number) ^ 0x01;
  fs.writeFileSync(file, bytes);
  await expect(store.readJsonl(ref)).rejects.toThrow(/is corrupt/);
});

test.each(['../escape', 'runs/../../etc/passwd', '/abs/path', 'runs/./x', 'runs//x', 'runs/x y'])(
  'key %j cannot leave the store',
  (key) => {
    expect(() => store.pathOf(key)).toThrow(/invalid artifact key/);
  },
);

test('artifacts and manifests are readable by their owner only', async () => {
  await store.commitJsonl('runs/a/x.jsonl', [{ n: 1 }]);
  for (const f of ['runs/a/x.jsonl', 'runs/a/x.jsonl.manifest.json', 'commits.log']) {
    expect(fs.statSync(path.join(root, f)).mode & 0o077).toBe(0);
  }
});

test('an interrupted write leaves no committed artifact, only a temporary file a later commit ignores', async () => {
  fs.mkdirSync(path.join(root, 'runs/a'), { recursive: true });
  fs.writeFileSync(path.join(root, 'runs/a/x.jsonl.tmp-123-abcd'), 'half a li');
  expect(await store.get('runs/a/x.jsonl')).toBeUndefined();
  const ref = await store.commitJsonl('runs/a/x.jsonl', [{ n: 1 }]);
  expect(await store.readJsonl(ref)).toEqual([{ n: 1 }]);
});

test('any workflow id maps to a safe, distinct artifact namespace', () => {
  expect(runKeyFor('rlaif-demo-20261127')).toBe('rlaif-demo-20261127');
  const keys = ['team/run 1', 'team_run_1', '../up', 'a:b'].map(runKeyFor);
  for (const k of keys) expect(() => store.pathOf(`runs/${k}/x`)).not.toThrow();
  expect(new Set(keys).size).toBe(4);
});
