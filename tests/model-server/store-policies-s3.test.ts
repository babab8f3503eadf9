/**
 * `serve-local --store s3://…`: run policies are served by name (`store:<key>`) from an S3 store,
 * read through the store (verified against their commit); a key nothing is committed at is a 404.
 */
import path from 'node:path';
import os from 'node:os';
import fs from 'node:fs';
import { exportPolicyOnnx, initPolicy } from '../../src/models/policy';
import { Vocab } from '../../src/models/vocab';
import { startLocalModelServer, type LocalModelServer } from '../../src/model-server/local-model-server';
import { S3ArtifactStore } from '../../src/store/s3-store';
import { Rng } from '../../src/util/rng';
import { useS3Server } from '../helpers/s3-server';

useS3Server(['served']);
const KEY = 'runs/r1/round-0002/optimize-policy/policy.onnx';
let server: LocalModelServer;
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-serve-s3-'));
  const writer = new S3ArtifactStore('s3://served/store', { cacheDir: path.join(tmp, 'writer') });
  await writer.commitBytes(KEY, exportPolicyOnnx(initPolicy(Vocab.demo(), 10, new Rng(5))), 1);
  process.env.RLAIF_CACHE_DIR = path.join(tmp, 'server-cache');
  server = await startLocalModelServer({ storeRoot: 's3://served/store' });
});
afterAll(async () => {
  await server?.close();
  delete process.env.RLAIF_CACHE_DIR;
  fs.rmSync(tmp, { recursive: true, force: true });
});

const complete = async (model: string) => {
  const res = await fetch(`${server.url}/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, prompt: 'describe rain', max_tokens: 5 }),
  });
  return { status: res.status, body: (await res.json()) as { model?: string; choices?: unknown[] } };
};

test('a committed policy in the S3 store is served by name', async () => {
  const r = await complete(`store:${KEY}`);
  expect(r.status).toBe(200);
  expect(r.body.choices).toHaveLength(1);
  const model = await fetch(`${server.url}/models/${encodeURIComponent(`store:${KEY}`)}`);
  expect(model.status).toBe(200);
});

test('a key with nothing committed is a 404, a key the store cannot hold a 400', async () => {
  expect((await complete('store:runs/r1/none.onnx')).status).toBe(404);
  expect((await complete('store:../outside')).status).toBe(400);
});
