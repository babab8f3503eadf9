/**
 * Judging through the Batch API against the project's protocol server (which runs each batch
 * on the local model server): the round waits on durable timers, a worker SIGKILLed during the
 * wait is replaced, no batch is submitted twice, and the labels equal synchronous judging.
 */
import type { Client } from '@temporalio/client';
import { startRun } from '../../src/cli/runs';
import { parseRunConfig } from '../../src/config/parse';
import { startLocalModelServer } from '../../src/model-server/local-model-server';
import { startOpenAIJobsServer } from '../../devtools/openai-jobs/server';
import type { LocalArtifactStore } from '../../src/store/local-store';
import type { PreferenceRow } from '../../src/stages/types';
import type { RunSummary } from '../../workflows/run';
import { smallConfig } from '../helpers/run-env';
import { startProcessCluster, type ProcessCluster } from '../helpers/process-cluster';
import { waitFor } from '../helpers/worker-process';

let cluster: ProcessCluster;
let client: Client;
let store: LocalArtifactStore;
let models: Awaited<ReturnType<typeof startLocalModelServer>>;
let jobs: Awaited<ReturnType<typeof startOpenAIJobsServer>>;

beforeAll(async () => {
  cluster = await startProcessCluster('batchapi', ['--trust-run-configs']);
  ({ client, store } = cluster);
  models = await startLocalModelServer({ port: 0 });
  jobs = await startOpenAIJobsServer({ port: 0, target: models.url, batchDelayMs: 3000 });
});
afterAll(async () => {
  await cluster?.stop();
  await jobs?.close();
  await models?.close();
});

const worker = () => cluster.worker();

const config = (batchApi: boolean) =>
  parseRunConfig(
    smallConfig({
      rounds: 1,
      endpoints: { judge: { baseURL: models.url, model: 'local-judge' } },
      judge: {
        kind: 'llm',
        endpoint: 'judge',
        batchSize: 16,
        ...(batchApi ? { batchApi: { baseURL: jobs.url, pollSeconds: 1 } } : {}),
      },
      generate: { batchSize: 16 },
    }),
  );

async function preferences(runKey: string): Promise<PreferenceRow[]> {
  const rows: PreferenceRow[] = [];
  for (const key of await store.listCommitted(`runs/${runKey}/round-0001/judge`)) {
    if (/batch-\d+-of-\d+\.jsonl$/.test(key))
      rows.push(...(await store.readJsonl<PreferenceRow>((await store.get(key))!)));
  }
  return rows;
}

test('a worker killed while the round waits on the Batch API is replaced; nothing is submitted twice', async () => {
  const first = worker();
  const handle = await startRun(client, config(true), { workflowId: 'batch-1' });
  await waitFor('a submitted batch', () => jobs.stats().batchesCreated >= 1, 60000, 50);
  await first.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 1000));
  worker();
  const summary = (await handle.result()) as RunSummary;
  expect(summary.status).toBe('completed');
  expect(jobs.stats().batchesCreated).toBe(2); // one per judge batch, each submitted once
  const m = summary.history[0]!.metrics;
  expect(m.judgeAnswersFromBatch).toBe(2 * 32); // every pair in both orders, from the batch
  expect(m.judgeCoverage).toBe(1);

  // The same round judged synchronously gives the same labels.
  const sync = (await (
    await startRun(client, config(false), { workflowId: 'batch-sync' })
  ).result()) as RunSummary;
  expect(sync.status).toBe('completed');
  const [a, b] = [await preferences('batch-1'), await preferences('batch-sync')];
  expect(a.map((r) => r.id)).toEqual(b.map((r) => r.id));
  a.forEach((r, i) => expect(r.p).toBeCloseTo(b[i]!.p, 9));
});
