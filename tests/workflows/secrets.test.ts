/**
 * A run whose endpoints need an API key: the key is read by the worker from its environment and
 * appears in no workflow history, no worker log line and no artifact.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startRun } from '../../src/cli/runs';
import { parseRunConfig } from '../../src/config/parse';
import { startLocalModelServer } from '../../src/serve/local-model-server';
import type { RunSummary } from '../../workflows/run';
import { startTestServer, type TestServer } from '../helpers/dev-server';
import { historyText } from '../helpers/history-text';
import { smallConfig } from '../helpers/run-env';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process';

// Made up at run time: no key-like literal is committed, and each run checks a fresh value.
const KEY = `rlaif-test-${randomBytes(12).toString('hex')}`;

let server: TestServer;
let client: Client;
let worker: WorkerProcess;
let storeRoot: string;
let models: Awaited<ReturnType<typeof startLocalModelServer>>;

beforeAll(async () => {
  server = await startTestServer();
  client = new Client({ connection: await Connection.connect({ address: server.address }) });
  storeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-secrets-'));
  models = await startLocalModelServer({ port: 0, apiKey: KEY, storeRoot });
  process.env.RLAIF_TEST_ENDPOINT_KEY = KEY; // inherited by the worker process only
  worker = spawnWorker(server.address, storeRoot);
});
afterAll(async () => {
  delete process.env.RLAIF_TEST_ENDPOINT_KEY;
  await worker?.kill();
  await models?.close();
  await client?.connection.close();
  await server?.stop();
  fs.rmSync(storeRoot, { recursive: true, force: true });
});

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : [p];
  });
}

test('the key is used but never written down', async () => {
  const endpoint = { baseURL: models.url, apiKeyEnv: 'RLAIF_TEST_ENDPOINT_KEY' };
  const config = parseRunConfig(
    smallConfig({
      rounds: 2,
      endpoints: { policy: { ...endpoint, model: '{policy}' }, judge: { ...endpoint, model: 'local-judge' } },
      generate: { endpoint: 'policy', batchSize: 8 },
      judge: { kind: 'llm', endpoint: 'judge', batchSize: 8 },
    }),
  );
  const handle = await startRun(client, config, { workflowId: 'secret-run' });
  const summary = (await handle.result()) as RunSummary;
  expect(summary.status).toBe('completed');
  expect(summary.history[0]!.metrics.judgeRequests).toBeGreaterThan(0); // the key worked

  for (const id of ['secret-run', 'secret-run-round-1', 'secret-run-round-2']) {
    const history = await historyText(client, id);
    expect(history).not.toContain(KEY);
    expect(history).toContain('RLAIF_TEST_ENDPOINT_KEY'); // the name is there, the value is not
  }
  for (const file of filesUnder(storeRoot)) expect(fs.readFileSync(file, 'latin1')).not.toContain(KEY);
  expect(worker.output()).not.toContain(KEY);
});
