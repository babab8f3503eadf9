/**
 * Exactly-once commits under concurrent attempts: of several writers of one key, the first to
 * place its file wins atomically, every writer gets the winner's reference, and one commit is logged.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalArtifactStore } from '../../src/store/local-store';

let root: string;
let store: LocalArtifactStore;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-exclusive-'));
  store = new LocalArtifactStore(root);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const key = 'runs/r/round-0001/generate/batch-0000-of-0001.jsonl';
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** Files left beside the key other than the object and its manifest. */
const leftovers = () =>
  fs.readdirSync(path.dirname(store.pathOf(key))).filter((n) => !/\.jsonl(\.manifest\.json)?$/.test(n));

test('two concurrent commits of different bytes: one wins, both callers get its reference and rows', async () => {
  const a = [{ id: 'x', response: 'from attempt 1' }];
  const b = [{ id: 'x', response: 'from attempt 2, longer' }];
  // Two stores, as two attempts on two workers would have (no shared read cache).
  const [ra, rb] = await Promise.all([
    store.commitRows(key, a),
    new LocalArtifactStore(root).commitRows(key, b),
  ]);
  expect(rb.ref).toEqual(ra.ref);
  expect(rb.rows).toEqual(ra.rows);
  const winner = ra.ref.sha256 === sha(`${JSON.stringify(a[0])}\n`) ? a : b;
  expect(ra.ref.sha256).toBe(sha(`${JSON.stringify(winner[0])}\n`));
  expect(ra.rows).toEqual(winner);
  expect(await new LocalArtifactStore(root).readJsonl(ra.ref)).toEqual(winner);
  expect((await store.commitLog()).map((c) => [c.key, c.sha256])).toEqual([[key, ra.ref.sha256]]);
  expect(leftovers()).toEqual([]);
});

test('concurrent commitBytes of different bytes agree on the first', async () => {
  const blob = 'runs/r/round-0001/optimize-policy/policy.onnx';
  const refs = await Promise.all(
    [1, 2, 3].map((n) => new LocalArtifactStore(root).commitBytes(blob, new Uint8Array([n, n, n]), 1)),
  );
  expect(new Set(refs.map((r) => JSON.stringify(r))).size).toBe(1);
  expect((await store.readBytes(refs[0]!)).byteLength).toBe(3);
  expect((await store.commitLog()).filter((c) => c.key === blob)).toHaveLength(1);
});

test('eight processes committing different rows to one key at the same moment: exactly one commit', async () => {
  const storeModule = path.resolve(__dirname, '..', '..', 'src', 'store', 'local-store.js');
  const at = Date.now() + 700;
  const script = (n: number) => `
    const { LocalArtifactStore } = require(${JSON.stringify(storeModule)});
    const s = new LocalArtifactStore(${JSON.stringify(root)});
    const rows = [{ id: 'x', response: 'sample of process ${n}' }];
    setTimeout(async () => {
      process.stdout.write(JSON.stringify(await s.commitRows(${JSON.stringify(key)}, rows)));
    }, ${at} - Date.now());`;
  const outputs = await Promise.all(
    Array.from({ length: 8 }, (_, n) => {
      const child = spawn(process.execPath, ['-e', script(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      // 'close', not 'exit': a process can exit before its piped stdout has been read.
      return new Promise<string>((resolve, reject) =>
        child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`)))),
      );
    }),
  );
  const results = outputs.map((o) => JSON.parse(o) as { ref: unknown; rows: unknown[] });
  expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
  expect(await store.commitLog()).toHaveLength(1);
  expect(await store.readJsonl(await store.get(key).then((r) => r!))).toEqual(results[0]!.rows);
  expect(leftovers()).toEqual([]);
}, 30_000);

test('an attempt that died between placing its file and its manifest: the next commit adopts that file', async () => {
  const theirs = [
    { id: 'x', response: 'the dead attempt' },
    { id: 'y', response: 'its second row' },
  ];
  const text = theirs.map((r) => `${JSON.stringify(r)}\n`).join('');
  fs.mkdirSync(path.dirname(store.pathOf(key)), { recursive: true });
  fs.writeFileSync(store.pathOf(key), text);
  expect(await store.get(key)).toBeUndefined();

  const { ref, rows } = await store.commitRows(key, [{ id: 'x', response: 'a retry, sampled anew' }]);
  expect(ref).toEqual({ uri: `store:${key}`, sha256: sha(text), count: 2, bytes: Buffer.byteLength(text) });
  expect(rows).toEqual(theirs);
  expect((await store.commitLog()).map((c) => c.sha256)).toEqual([sha(text)]);
});

test('a losing commit of the same bytes (a deterministic producer) logs nothing more', async () => {
  const rows = [{ id: 'x', response: 'same' }];
  const refs = await Promise.all([
    store.commitJsonl(key, rows),
    new LocalArtifactStore(root).commitJsonl(key, rows),
  ]);
  expect(refs[1]).toEqual(refs[0]);
  expect(await store.commitLog()).toHaveLength(1);
});
