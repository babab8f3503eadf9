/**
 * Policy optimization through OpenAI-compatible DPO fine-tuning jobs, end to end: the policy is a
 * served model; each round uploads the judged pairs, creates one job, polls it, and the job's
 * model (trained for real by the local DPO fine-tuner and served by the local model server)
 * becomes the next round's policy. A worker SIGKILLed while a job runs is replaced and the same
 * job is awaited, never created twice; cancelling the run cancels the job.
 */
import OpenAI from 'openai';
import type { Client } from '@temporalio/client';
import { startRun } from '../../src/cli/runs';
import { parseRunConfig } from '../../src/config/parse';
import { readServedPolicy } from '../../src/policy/served-policy';
import { localDpoFineTuner } from '../../src/model-server/dpo-fine-tuner';
import { startLocalModelServer } from '../../src/model-server/local-model-server';
import { startOpenAIJobsServer } from '../../devtools/openai-jobs/server';
import type { LocalArtifactStore } from '../../src/store/local-store';
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
  cluster = await startProcessCluster('finetune', ['--trust-run-configs']);
  ({ client, store } = cluster);
  models = await startLocalModelServer({ port: 0 });
  jobs = await startOpenAIJobsServer({
    port: 0,
    target: models.url,
    fineTuneDelayMs: 2500,
    fineTuner: localDpoFineTuner(models),
  });
});
afterAll(async () => {
  await cluster?.stop();
  await jobs?.close();
  await models?.close();
});

const worker = () => cluster.worker();

const config = (rounds: number, jobsUrl = jobs.url) =>
  parseRunConfig(
    smallConfig({
      rounds,
      preset: 'fine-tune',
      data: { kind: 'demo', trainPrompts: 128, evalPrompts: 128, sftExamples: 300 },
      generate: { batchSize: 64, endpoint: 'policy' },
      endpoints: {
        policy: { baseURL: models.url, model: '{policy}', maxConcurrency: 8 },
        tuning: { baseURL: jobsUrl, model: 'local-policy' },
      },
      policy: {
        fineTune: {
          endpoint: 'tuning',
          baseModel: 'local-policy',
          suffix: 'rlaif',
          hyperparameters: { n_epochs: 3, beta: 0.5 },
          pollSeconds: 0.5,
        },
      },
    }),
  );

test('each round is one DPO job; a worker killed mid-job is replaced and the job awaited, not recreated; the policy learns', async () => {
  const first = worker();
  const handle = await startRun(client, config(2), { workflowId: 'ft-1' });
  await waitFor('a fine-tuning job', () => jobs.stats().fineTuningJobsCreated >= 1, 120000, 50);
  await first.kill('SIGKILL');
  worker();
  const summary = (await handle.result()) as RunSummary;
  expect(summary.status).toBe('completed');
  expect(jobs.stats().fineTuningJobsCreated).toBe(2); // one per round, whatever was killed
  const [r1, r2] = summary.history.map((h) => h.metrics);
  expect(r1!.fineTuneReused).toBe(1); // the retried attempt found round 1's job
  expect(r1!.fineTuneJobs).toBe(1);
  expect(r1!.fineTunePairs).toBeGreaterThan(100);
  // The tuned models, judged against the base model on held-out prompts, win (DPO learned).
  console.log('fine-tune win rates', r1!.winRateVsInitial, r2!.winRateVsInitial, r2!.winRateLow);
  expect(r2!.winRateLow).toBeGreaterThan(0.5);
  expect(r2!.klToInitial).toBeUndefined(); // a served model has no weights to compare

  // Round 2 tuned round 1's model: the policy chain runs through the served names.
  const policies = [];
  for (const round of [1, 2]) {
    const ref = await store.get(`runs/ft-1/round-000${round}/optimize-policy/policy.served.json`);
    policies.push(await readServedPolicy(store, ref!));
  }
  expect(policies[0]!.model).toMatch(/^ft:local-policy:rlaif:/);
  expect(policies[1]!.model.startsWith(`ft:${policies[0]!.model}:rlaif:`)).toBe(true);
  const listed = await new OpenAI({ baseURL: models.url, apiKey: 'x' }).models.list();
  expect(listed.data.map((m) => m.id)).toEqual(expect.arrayContaining(policies.map((p) => p.model)));
});

test('cancelling the run cancels its fine-tuning job', async () => {
  // A job long enough for the cancellation to reach it through the next heartbeat.
  const slow = await startOpenAIJobsServer({
    port: 0,
    target: models.url,
    fineTuneDelayMs: 20000,
    fineTuner: localDpoFineTuner(models),
  });
  try {
    worker();
    const handle = await startRun(client, config(1, slow.url), { workflowId: 'ft-cancel' });
    const openai = new OpenAI({ baseURL: slow.url, apiKey: 'x' });
    const jobOf = async () => (await openai.fineTuning.jobs.list({ limit: 100 })).data[0];
    await waitFor(
      'a running fine-tuning job',
      async () => (await jobOf())?.status === 'running',
      120000,
      100,
    );
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();

    await waitFor('the job cancelled', async () => (await jobOf())?.status === 'cancelled', 30000, 200);
    expect(slow.stats().fineTuningJobsCreated).toBe(1);
    expect((await jobOf())?.metadata?.idempotency_key).toBe('rlaif:ft-cancel:1:optimize-policy');
  } finally {
    await slow.close();
  }
});
