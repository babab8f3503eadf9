/**
 * Runs whose every backend needs an API key — generation, the LLM judge (synchronous and through
 * the Batch API), the embedding reward model and fine-tuning jobs: the key is read by the worker
 * from its environment and appears in no workflow history, no worker log line and no artifact.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startRun } from '../../src/cli/runs';
import { parseRunConfig } from '../../src/config/parse';
import { localDpoFineTuner } from '../../src/model-server/dpo-fine-tuner';
import { startLocalModelServer } from '../../src/model-server/local-model-server';
import { startOpenAIJobsServer } from '../../devtools/openai-jobs/server';
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
let jobs: Awaited<ReturnType<typeof startOpenAIJobsServer>>;

beforeAll(async () => {
  server = await startTestServer();
  client = new Client({ connection: await Connection.connect({ address: server.address }) });
  storeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-secrets-'));
  models = await startLocalModelServer({ port: 0, apiKey: KEY, storeRoot });
  jobs = await startOpenAIJobsServer({
    port: 0,
    apiKey: KEY,
    target: models.url,
    targetApiKey: KEY,
    batchDelayMs: 500,
    fineTuneDelayMs: 500,
    fineTuner: localDpoFineTuner(models),
  });
  process.env.RLAIF_TEST_ENDPOINT_KEY = KEY; // inherited by the worker process only
  // The worker's owner declares every endpoint and the variable holding its key; runs name them.
  const keyed = { baseURL: models.url, apiKeyEnv: 'RLAIF_TEST_ENDPOINT_KEY' };
  const workerConfig = path.join(
    fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-secrets-worker-')),
    'worker.json',
  );
  fs.writeFileSync(
    workerConfig,
    JSON.stringify({
      endpoints: {
        policy: { ...keyed, model: '{policy}' },
        judge: { ...keyed, model: 'local-judge' },
        embed: { ...keyed, model: 'local-embed' },
        batches: { baseURL: jobs.url, apiKeyEnv: 'RLAIF_TEST_ENDPOINT_KEY', model: 'local-judge' },
        tuning: { baseURL: jobs.url, apiKeyEnv: 'RLAIF_TEST_ENDPOINT_KEY', model: 'local-policy' },
      },
    }),
  );
  worker = spawnWorker(server.address, storeRoot, { extraArgs: ['--worker-config', workerConfig] });
});
afterAll(async () => {
  delete process.env.RLAIF_TEST_ENDPOINT_KEY;
  await worker?.kill();
  await jobs?.close();
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

/** Every backend that takes a key, spread over two runs (a run has one optimizer). */
const RUNS = {
  'secret-classic': () =>
    smallConfig({
      rounds: 2,
      generate: { endpoint: 'policy', batchSize: 8 },
      judge: {
        kind: 'llm',
        endpoint: 'judge',
        batchSize: 8,
        batchApi: { endpoint: 'batches', pollSeconds: 1 },
      },
      rewardModel: { kind: 'embedding', endpoint: 'embed', epochs: 30 },
    }),
  'secret-tune': () =>
    smallConfig({
      rounds: 1,
      preset: 'fine-tune',
      generate: { endpoint: 'policy', batchSize: 8 },
      judge: { kind: 'llm', endpoint: 'judge', batchSize: 8 },
      policy: { fineTune: { endpoint: 'tuning', baseModel: 'local-policy', pollSeconds: 0.5 } },
    }),
};

test.each(Object.keys(RUNS))('%s: the key is used but never written down', async (id) => {
  const config = parseRunConfig(RUNS[id as keyof typeof RUNS]());
  const handle = await startRun(client, config, { workflowId: id });
  const summary = (await handle.result()) as RunSummary;
  expect(summary.status).toBe('completed');
  const m = summary.history[0]!.metrics;
  expect(m.generateRequests).toBeGreaterThan(0); // the key worked for each backend
  if (id === 'secret-classic') {
    expect(m.judgeAnswersFromBatch).toBeGreaterThan(0);
    expect(m.rewardModelAgreement).toBeGreaterThan(0);
  } else {
    expect(m.fineTuneJobs).toBe(1);
  }

  for (const wf of [id, ...summary.history.map((h) => `${id}-round-${h.round}`)]) {
    const history = await historyText(client, wf);
    expect(history).not.toContain(KEY);
    expect(history).toContain('"endpoint":"judge"'); // the run names the endpoint, the worker holds the key
  }
  for (const file of filesUnder(storeRoot)) expect(fs.readFileSync(file, 'latin1')).not.toContain(KEY);
  expect(worker.output()).not.toContain(KEY);
});
