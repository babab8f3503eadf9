/**
 * An external trainer's checkpoints on an S3 store: uploaded as the trainer reports them, and
 * restored, newest complete one first, into the empty folder of an attempt on another machine.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CheckpointSync } from '../../src/policy/checkpoint-sync';
import { LocalArtifactStore } from '../../src/store/local-store';
import { S3ArtifactStore } from '../../src/store/s3-store';
import { useS3Server } from '../helpers/s3-server';

useS3Server(['trainer']);
let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-ckpt-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const FOLDER = 'runs/r/round-0001/optimize-policy/trainer-checkpoints';
function machine(name: string) {
  const store = new S3ArtifactStore('s3://trainer/x', {
    cacheDir: path.join(tmp, name, 'cache'),
    scratchRoot: path.join(tmp, name, 'scratch'),
  });
  const out = path.join(tmp, name, 'output');
  fs.mkdirSync(out, { recursive: true });
  return { store, out, sync: new CheckpointSync(store, FOLDER, out) };
}

function writeCheckpoint(out: string, step: number, complete = true): void {
  const dir = path.join(out, `checkpoint-${step}`);
  fs.mkdirSync(path.join(dir, 'weights'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'weights', 'model.bin'), Buffer.alloc(1000 + step, step % 256));
  fs.writeFileSync(path.join(dir, 'optimizer.pt'), `optimizer at ${step}`);
  if (complete) fs.writeFileSync(path.join(dir, 'trainer_state.json'), JSON.stringify({ step }));
}

test('the newest complete checkpoint is uploaded and restored byte for byte on another machine', async () => {
  const a = machine('a');
  expect(await a.sync.restoreNewest()).toBeUndefined();
  writeCheckpoint(a.out, 10);
  a.sync.uploadSoon();
  await a.sync.settled();
  writeCheckpoint(a.out, 20);
  writeCheckpoint(a.out, 30, false); // being written when the machine died: no trainer_state.json
  await a.sync.uploadNewest();
  await a.sync.uploadNewest(); // already uploaded: nothing new
  const indexes = (await a.store.listCommitted(FOLDER)).filter((k) => k.endsWith('.index.jsonl'));
  expect(indexes.map((k) => path.basename(k))).toEqual([
    'checkpoint-10.index.jsonl',
    'checkpoint-20.index.jsonl',
  ]);

  const b = machine('b');
  expect(await b.sync.restoreNewest()).toBe(20);
  const restored = path.join(b.out, 'checkpoint-20');
  for (const f of ['weights/model.bin', 'optimizer.pt', 'trainer_state.json']) {
    expect(fs.readFileSync(path.join(restored, f))).toEqual(
      fs.readFileSync(path.join(a.out, 'checkpoint-20', f)),
    );
  }
  expect(fs.existsSync(path.join(b.out, 'checkpoint-10'))).toBe(false);
});

test('a local store needs no sync: its folders are shared already', async () => {
  const store = new LocalArtifactStore(path.join(tmp, 'local'));
  const out = path.join(tmp, 'local-out');
  fs.mkdirSync(out, { recursive: true });
  writeCheckpoint(out, 5);
  const sync = new CheckpointSync(store, FOLDER, out);
  await sync.uploadNewest();
  expect(await store.listCommitted(FOLDER)).toEqual([]);
  expect(await sync.restoreNewest()).toBeUndefined();
});
