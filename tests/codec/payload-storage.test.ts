/**
 * Temporal's large-payload path on the artifact store: with the offload threshold low, a run's
 * large payloads go to the S3 store through the SDK's external storage and history keeps
 * references; with a codec key set, what the store holds is ciphertext, and the run still
 * completes with its figures readable through the plugin's client.
 */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { startRun } from '../../src/cli/runs';
import { createWorker } from '../../src/cli/worker';
import { ENCRYPTED_ENCODING } from '../../src/codec/encryption-codec';
import { parseRunConfig } from '../../src/config/parse';
import { RlaifPlugin } from '../../src/plugin';
import { S3ArtifactStore } from '../../src/store/s3-store';
import type { RunSummary } from '../../workflows/run';
import { startTestServer, type TestServer } from '../helpers/dev-server';
import { quietRuntime, smallConfig } from '../helpers/run-env';
import { useS3Server } from '../helpers/s3-server';

const CODEC_ENV = { RLAIF_CODEC_KEY: randomBytes(32).toString('base64'), RLAIF_CODEC_KEY_ID: 'offload-test' };
const STORE = 's3://offload/run';
const THRESHOLD = 600;

useS3Server(['offload']);
let server: TestServer;
let worker: Worker;
let running: Promise<void>;
let client: Client;
let raw: Client;

beforeAll(async () => {
  quietRuntime();
  Object.assign(process.env, CODEC_ENV);
  server = await startTestServer();
  worker = await createWorker(
    { address: server.address, namespace: 'default' },
    { plugin: { storeRoot: STORE, offloadPayloadsAbove: THRESHOLD } },
  );
  running = worker.run();
  const connection = await Connection.connect({ address: server.address });
  client = new Client({
    connection,
    plugins: [new RlaifPlugin({ storeRoot: STORE, offloadPayloadsAbove: THRESHOLD })],
  });
  raw = new Client({ connection });
});
afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running?.catch(() => undefined);
  await client?.connection.close();
  await server?.stop();
  for (const k of Object.keys(CODEC_ENV)) delete process.env[k];
});

/** Every payload object in a history (decoded protobuf messages). */
function payloadsIn(
  value: unknown,
  out: temporal.api.common.v1.IPayload[] = [],
): temporal.api.common.v1.IPayload[] {
  if (value === null || typeof value !== 'object') return out;
  const v = value as Record<string, unknown>;
  if (v.metadata && typeof v.metadata === 'object' && 'data' in v)
    out.push(v as temporal.api.common.v1.IPayload);
  for (const child of Object.values(v)) payloadsIn(child, out);
  return out;
}

test('large payloads go to the S3 store encrypted, history keeps references, and the run completes', async () => {
  const config = parseRunConfig(smallConfig({ rounds: 1, name: 'offload-plaintext-marker' }));
  const handle = await startRun(client, config, { workflowId: 'offload-1' });
  const summary = (await handle.result()) as RunSummary;
  expect(summary.status).toBe('completed');
  expect(summary.winRateVsInitial).toBeGreaterThan(0);

  const history = await raw.workflow.getHandle('offload-1').fetchHistory();
  const payloads = payloadsIn(history.events);
  const refs = payloads.filter((p) => (p.externalPayloads?.length ?? 0) > 0);
  expect(refs.length).toBeGreaterThan(0);
  // Nothing at or above the threshold stayed inline.
  for (const p of payloads)
    if (!p.externalPayloads?.length) expect(p.data?.length ?? 0).toBeLessThan(THRESHOLD);

  const store = new S3ArtifactStore(STORE);
  const keys = await store.listCommitted('payloads');
  expect(keys.length).toBeGreaterThan(0);
  for (const key of keys) {
    const bytes = await store.readBytes((await store.get(key))!);
    const stored = temporal.api.common.v1.Payload.decode(bytes);
    expect(Buffer.from(stored.metadata.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(stored.data).toString('latin1')).not.toContain('offload-plaintext-marker');
    expect(stored.data.length).toBeGreaterThanOrEqual(THRESHOLD - 100);
  }
});
