/**
 * Crashes against a real dev server: a worker SIGKILLed mid-judge, a run terminated and resumed
 * with `rlaif resume`, a server restarted mid-run. Each run must finish with every batch
 * committed exactly once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { queryProgress } from '../../src/cli/progress';
import { startRun } from '../../src/cli/runs';
import { parseRunConfig } from '../../src/config/parse';
import { startDevServer, type DevServer } from '../../src/temporal-server/dev-server';
import { startFaultProxy } from '../../devtools/fault-proxy';
import { startLocalModelServer } from '../../src/model-server/local-model-server';
import { LocalArtifactStore } from '../../src/store/local-store';
import type { RunSummary } from '../../workflows/run';
import { startTestServer, type TestServer } from '../helpers/dev-server';
import { commitCounts, smallConfig } from '../helpers/run-env';
import { runCli, spawnWorker, waitFor, type WorkerProcess } from '../helpers/worker-process';

let server: TestServer;
let client: Client;
let storeRoot: string;
let store: LocalArtifactStore;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  server = await startTestServer();
  client = new Client({ connection: await Connection.connect({ address: server.address }) });
  storeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-durable-'));
  store = new LocalArtifactStore(storeRoot);
});
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  for (const c of cleanups) await c();
  await client?.connection.close();
  await server?.stop();
  fs.rmSync(storeRoot, { recursive: true, force: true });
});

/** A worker of one user's machine: its runs may declare endpoints and the trainer inline. */
function worker(address = server.address): WorkerProcess {
  const w = spawnWorker(address, storeRoot, { extraArgs: ['--trust-run-configs'] });
  workers.push(w);
  return w;
}

async function committed(prefix: string): Promise<Array<[string, number]>> {
  return [...(await commitCounts(store))].filter(([k]) => k.startsWith(prefix));
}

test('a worker killed with SIGKILL mid-judge is replaced and the run finishes, no batch committed twice', async () => {
  const first = worker();
  // A judge with a real model's latency (the local model's judge behind a 150 ms proxy), so the
  // kill lands while judging is under way. Generation runs one wave of `concurrency` batches and
  // judging follows batch per batch.
  const models = await startLocalModelServer({ port: 0 });
  const slow = await startFaultProxy({ target: models.url, plan: { sequence: [] }, latencyMs: 150 });
  cleanups.push(
    () => slow.close(),
    () => models.close(),
  );
  const config = parseRunConfig(
    smallConfig({
      rounds: 2,
      concurrency: 2,
      endpoints: { judge: { baseURL: slow.url, model: 'local-judge', maxConcurrency: 2 } },
      judge: { kind: 'llm', endpoint: 'judge', batchSize: 4 },
      generate: { batchSize: 4 },
    }),
  );
  const handle = await startRun(client, config, { workflowId: 'kill-judge' });
  await waitFor(
    'the judge stage under way',
    async () => {
      // The run says only that a round runs; the round itself says which stage.
      const p = await queryProgress(handle).catch(() => undefined);
      return p?.round === 1 && p.stage === 'judge';
    },
    60000,
    10,
  );
  await first.kill('SIGKILL');
  const judgedAtKill = (await committed('runs/kill-judge/round-0001/judge/')).filter(([k]) =>
    /batch-\d+-of-\d+\.jsonl$/.test(k),
  );
  expect(judgedAtKill.length).toBeLessThan(2);
  worker();
  const summary = (await handle.result()) as RunSummary;
  expect(summary.status).toBe('completed');
  expect(summary.rounds).toBe(2);
  const all = await committed('runs/kill-judge/');
  expect(all.filter(([, n]) => n !== 1)).toEqual([]);
  expect(all.filter(([k]) => /round-0001\/judge\/batch-\d+-of-0002\.jsonl$/.test(k))).toHaveLength(2);
});

test('a terminated run resumed with "rlaif resume" finishes without redoing committed batches', async () => {
  worker();
  const config = parseRunConfig(smallConfig({ rounds: 3 }));
  const handle = await startRun(client, config, { workflowId: 'resume-me' });
  await waitFor(
    'round 2 to start',
    async () => (await committed('runs/resume-me/round-0002/generate/')).length > 0,
  );
  await handle.terminate('failing the run on purpose for the resume test');
  const before = new Map(await committed('runs/resume-me/'));
  const cli = await runCli(['resume', 'resume-me', '--wait', '--address', server.address]);
  expect(cli.stderr).not.toContain('rlaif: ');
  expect(cli.code).toBe(0);
  const summary = JSON.parse(cli.stdout.trim().split('\n').pop() as string) as {
    workflowId: string;
    status: string;
    rounds: number;
  };
  expect(summary.workflowId).toBe('resume-me-resume-1');
  expect(summary.status).toBe('completed');
  expect(summary.rounds).toBe(3);
  const after = await committed('runs/resume-me/');
  expect(after.filter(([, n]) => n !== 1)).toEqual([]);
  for (const [key] of before) expect(after.find(([k]) => k === key)?.[1]).toBe(1);
  const resumed = await client.workflow.getHandle('resume-me-resume-1').describe();
  expect(resumed.memo?.resumedFrom).toMatchObject({ workflowId: 'resume-me', status: 'TERMINATED' });
});

test('a Temporal server restarted mid-run (same database) lets the run finish', async () => {
  const dbDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-restart-'));
  const dbFile = path.join(dbDir, 'temporal.sqlite');
  let own: DevServer = await startDevServer({ dbFile, uiPort: false });
  const port = own.port;
  const c = new Client({ connection: await Connection.connect({ address: own.address }) });
  const w = worker(own.address);
  try {
    const handle = await startRun(c, parseRunConfig(smallConfig({ rounds: 3 })), {
      workflowId: 'restart-me',
    });
    await waitFor(
      'round 1 to finish',
      async () => (await committed('runs/restart-me/round-0001/evaluate/')).length > 0,
    );
    await own.stop();
    own = await startDevServer({ dbFile, port, uiPort: false });
    const summary = (await handle.result()) as RunSummary;
    expect(summary.status).toBe('completed');
    expect(summary.rounds).toBe(3);
    expect((await committed('runs/restart-me/')).filter(([, n]) => n !== 1)).toEqual([]);
  } finally {
    await w.kill();
    await c.connection.close();
    await own.stop();
    fs.rmSync(dbDir, { recursive: true, force: true });
  }
});

test('a worker killed during an external trainer run is replaced and the trainer resumes from its checkpoint', async () => {
  // Only this test's worker may pick up the trainer activity: stop the earlier tests' workers.
  await Promise.all(workers.map((w) => w.kill()));
  const first = worker();
  const trainer = path.resolve(__dirname, '..', '..', '..', 'examples', 'trainers', 'dpo-trainer.js');
  const config = parseRunConfig(
    smallConfig({
      preset: 'external',
      rounds: 1,
      policy: {
        trainer: {
          command: [process.execPath, trainer],
          hyperparameters: {
            beta: 0.5,
            learning_rate: 0.02,
            max_steps: 40,
            save_steps: 5,
            step_delay_ms: 150,
          },
        },
      },
    }),
  );
  const handle = await startRun(client, config, { workflowId: 'kill-trainer' });
  const out = path.join(storeRoot, 'runs/kill-trainer/round-0001/optimize-policy/trainer/output');
  const checkpoints = () =>
    fs.existsSync(out) ? fs.readdirSync(out).filter((d) => /^checkpoint-\d+$/.test(d)) : [];
  await waitFor('a trainer checkpoint', () => checkpoints().length >= 2, 60000, 50);
  await first.kill('SIGKILL');
  const atKill = Math.max(...checkpoints().map((d) => Number(d.split('-')[1])));
  worker();
  const summary = (await handle.result()) as RunSummary;
  expect(summary.status).toBe('completed');
  const m = summary.history[0]!.metrics;
  expect(m.trainerResumed).toBe(1);
  expect(m.trainerFinalStep).toBe(40);
  // The second attempt ran only the steps after its checkpoint, not all forty.
  expect(m.trainerStepsRun).toBeLessThanOrEqual(40 - atKill);
  expect((await committed('runs/kill-trainer/')).filter(([, n]) => n !== 1)).toEqual([]);
});
