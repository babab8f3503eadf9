/**
 * The judgment ledger and dead letters when each machine's scratch folder is its own (S3 store):
 * a judgment one worker paid for is found by a worker on another machine, and a batch's dead
 * letters are kept in the store.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { judgmentKey, openLedger } from '../../src/judges/ledger';
import { LocalArtifactStore } from '../../src/store/local-store';
import { keepFile, LedgerMirror } from '../../src/store/mirrored-files';
import { S3ArtifactStore } from '../../src/store/s3-store';
import { useS3Server } from '../helpers/s3-server';

useS3Server(['ledgers']);
let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-mirror-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A worker on a machine of its own: its own cache and scratch folders. */
function machine(name: string, url: string) {
  const store = new S3ArtifactStore(url, {
    cacheDir: path.join(tmp, name, 'cache'),
    scratchRoot: path.join(tmp, name, 'scratch'),
  });
  const folder = 'runs/r/ledger';
  return {
    store,
    mirror: new LedgerMirror(
      store,
      `${folder}/chunks`,
      path.join(store.scratchDir(folder), 'judgments.jsonl'),
    ),
  };
}

test('a judgment paid for on one machine is in the ledger of another, and is pushed once', async () => {
  const a = machine('a', 's3://ledgers/one');
  const b = machine('b', 's3://ledgers/one');
  expect(a.mirror.file).not.toBe(b.mirror.file);
  await a.mirror.pull();
  const k1 = judgmentKey({ q: 'pair 1' });
  const k2 = judgmentKey({ q: 'pair 2' });
  openLedger(a.mirror.file).put(k1, { p: 0.8 });
  await a.mirror.push();
  await a.mirror.push(); // nothing new: no second chunk
  expect(await a.store.listCommitted('runs/r/ledger/chunks')).toHaveLength(1);

  await b.mirror.pull();
  const ledgerB = openLedger(b.mirror.file);
  expect(ledgerB.get(k1)).toEqual({ p: 0.8 });
  ledgerB.put(k2, { p: 0.3 });
  await b.mirror.push();
  // B pushes only its own judgment, not the one it pulled.
  const chunks = await b.store.listCommitted('runs/r/ledger/chunks');
  expect(chunks).toHaveLength(2);
  const rows = await Promise.all(
    chunks.map(async (c) => b.store.readJsonl<{ key: string }>((await b.store.get(c))!)),
  );
  expect(rows.map((r) => r.map((x) => x.key)).sort()).toEqual([[k1], [k2]].sort());

  await a.mirror.pull();
  expect(openLedger(a.mirror.file).get(k2)).toEqual({ p: 0.3 });
});

test('dead letters are committed to the store when scratch is private, and left alone in a local store', async () => {
  const { store } = machine('c', 's3://ledgers/two');
  const key = 'runs/r/round-0001/judge/batch-0000-of-0001.dead-letters.jsonl';
  const file = store.scratchDir(key);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '{"pairId":"p1","reason":"refused","raw":"no"}\n');
  await keepFile(store, key, file);
  const ref = (await store.get(key))!;
  expect(ref.count).toBe(1);
  expect(await store.readJsonl(ref)).toEqual([{ pairId: 'p1', reason: 'refused', raw: 'no' }]);

  const local = new LocalArtifactStore(path.join(tmp, 'local'));
  const localFile = local.scratchDir(key);
  fs.mkdirSync(path.dirname(localFile), { recursive: true });
  fs.writeFileSync(localFile, '{"pairId":"p1"}\n');
  await keepFile(local, key, localFile);
  expect(await local.get(key)).toBeUndefined();
  expect(fs.readFileSync(localFile, 'utf8')).toBe('{"pairId":"p1"}\n');
});
