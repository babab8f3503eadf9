/**
 * Workers on several machines sharing nothing but Temporal and S3: the workflow worker, an `api`
 * pool (generate, judge) and a `gpu` pool (train-reward, optimize-policy) run as separate
 * `rlaif worker` processes, each with its own HOME, TMPDIR, state folder and working folder and
 * no shared folder at all; the store is a bucket on a real S3-compatible server. The demo run
 * must complete with the figures of the single-process demo, every key committed once, also when
 * the gpu pool's worker is SIGKILLed in the middle of a commit (its bytes uploaded, its manifest
 * not) and another machine takes over.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startRun } from '../../src/cli/runs';
import { parseRunConfig } from '../../src/config/parse';
import { DEMO_DEFAULTS, runInProcess } from '../../src/loop/in-process';
import { S3ArtifactStore } from '../../src/store/s3-store';
import type { RunSummary } from '../../workflows/run';
import { startTestServer, type TestServer } from '../helpers/dev-server';
import { useS3Server } from '../helpers/s3-server';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process';

const s3 = useS3Server(['fleet']);
const STORE = 's3://fleet/rlaif';
let server: TestServer;
let client: Client;
let machinesDir: string;
const workers: WorkerProcess[] = [];
/** The single-process demo's result, computed by the first test. */
let plain: Awaited<ReturnType<typeof runInProcess>> | undefined;

const POOLS = { generate: 'api', judge: 'api', 'train-reward': 'gpu', 'optimize-policy': 'gpu' } as const;

/** A "machine": private folders, and an environment with nothing of this process's store or home. */
function machine(name: string): { cwd: string; env: NodeJS.ProcessEnv } {
  const root = path.join(machinesDir, name);
  const dirs = { home: path.join(root, 'home'), tmp: path.join(root, 'tmp'), cwd: path.join(root, 'work') };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  const env: NodeJS.ProcessEnv = {};
  for (const k of ['PATH', 'NODE_OPTIONS', 'LANG']) if (process.env[k]) env[k] = process.env[k];
  return {
    cwd: dirs.cwd,
    env: {
      ...env,
      ...s3().env,
      HOME: dirs.home,
      TMPDIR: dirs.tmp,
      RLAIF_HOME: path.join(dirs.home, '.rlaif'),
      TEMPORAL_ADDRESS: server.address,
    },
  };
}

beforeAll(async () => {
  machinesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-machines-'));
  server = await startTestServer();
  client = new Client({ connection: await Connection.connect({ address: server.address }) });
  const pools: Array<[string, string[]]> = [
    ['workflows', ['--task-queue', 'rlaif']],
    ['api', ['--task-queue', 'api', '--activities-only']],
    ['gpu', ['--task-queue', 'gpu', '--activities-only']],
  ];
  for (const [name, args] of pools) {
    const m = machine(name);
    workers.push(
      spawnWorker(server.address, STORE, {
        cwd: m.cwd,
        env: m.env,
        extraArgs: [...args, '--log-level', 'WARN'],
      }),
    );
  }
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  await client?.connection.close();
  await server?.stop();
  if (machinesDir) fs.rmSync(machinesDir, { recursive: true, force: true });
});

test('the demo run on three worker processes sharing only Temporal and S3 gives the single-process figures', async () => {
  const demo = JSON.parse(
    fs.readFileSync(path.join(__dirname, '..', '..', '..', 'examples', 'demo.json'), 'utf8'),
  );
  const config = parseRunConfig({ ...demo, taskQueues: POOLS });
  const handle = await startRun(client, config, { workflowId: 'fleet-demo' });
  const [summary, single] = await Promise.all([
    handle.result() as Promise<RunSummary>,
    runInProcess(DEMO_DEFAULTS),
  ]);
  plain = single;
  expect(summary.status).toBe('completed');
  expect(summary.rounds).toBe(3);
  const last = plain.rounds.at(-1)!;
  expect(summary.winRateVsInitial).toBeCloseTo(last.evaluation.winRate, 9);
  expect(summary.rewardModelAgreement).toBeCloseTo(last.reward!.heldOutAgreement, 9);

  // Each pool did its own stages: the history names the task queue of every activity.
  const queues = new Map<string, Set<string>>();
  for (let round = 1; round <= 3; round++) {
    const history = await client.workflow.getHandle(`fleet-demo-round-${round}`).fetchHistory();
    for (const e of history.events ?? []) {
      const a = e.activityTaskScheduledEventAttributes;
      if (!a?.activityType?.name || !a.taskQueue?.name) continue;
      const set = queues.get(a.activityType.name) ?? new Set<string>();
      set.add(a.taskQueue.name);
      queues.set(a.activityType.name, set);
    }
  }
  expect([...(queues.get('rlaif.generate') ?? [])]).toEqual(['api']);
  expect([...(queues.get('rlaif.judge') ?? [])]).toEqual(['api']);
  expect([...(queues.get('rlaif.trainReward') ?? [])]).toEqual(['gpu']);
  expect([...(queues.get('rlaif.optimizePolicy') ?? [])]).toEqual(['gpu']);

  // Everything is in the bucket, each key committed once; no machine made a local store.
  const store = new S3ArtifactStore(STORE, { cacheDir: path.join(machinesDir, 'reader-cache') });
  const log = (await store.commitLog()).filter((c) => c.key.startsWith('runs/fleet-demo/'));
  expect(log.length).toBeGreaterThan(40);
  const counts = new Map<string, number>();
  for (const c of log) counts.set(c.key, (counts.get(c.key) ?? 0) + 1);
  expect([...counts].filter(([, n]) => n !== 1)).toEqual([]);
  for (const name of ['workflows', 'api', 'gpu']) {
    expect(fs.existsSync(path.join(machinesDir, name, 'work', '.rlaif'))).toBe(false);
    expect(fs.existsSync(path.join(machinesDir, name, 'home', '.rlaif', 'store'))).toBe(false);
  }
  for (const w of workers) expect(w.output()).not.toMatch(/NodeVersionSupportWarning/);
}, 600_000);

test('the gpu pool killed in the middle of a commit: another gpu machine takes over, same figures', async () => {
  expect(plain).toBeDefined();
  const oldGpu = workers[2]!;
  await oldGpu.kill();
  const doomed = machine('gpu-doomed');
  const crashing = spawnWorker(server.address, STORE, {
    cwd: doomed.cwd,
    env: { ...doomed.env, RLAIF_CHAOS_KILL_ON_COMMIT: '1' },
    extraArgs: ['--task-queue', 'gpu', '--activities-only', '--log-level', 'WARN'],
  });
  workers.push(crashing);
  const demo = JSON.parse(
    fs.readFileSync(path.join(__dirname, '..', '..', '..', 'examples', 'demo.json'), 'utf8'),
  );
  // A short heartbeat timeout so the killed attempt is retried soon (timeouts do not change figures).
  const config = parseRunConfig({ ...demo, taskQueues: POOLS, timeouts: { heartbeatSeconds: 5 } });
  const handle = await startRun(client, config, { workflowId: 'fleet-crash' });
  // The worker kills itself at its first commit, after uploading the bytes and before the manifest.
  await new Promise<void>((resolve) => crashing.child.once('exit', () => resolve()));
  expect(crashing.child.signalCode).toBe('SIGKILL');
  const fresh = machine('gpu-fresh');
  workers.push(
    spawnWorker(server.address, STORE, {
      cwd: fresh.cwd,
      env: fresh.env,
      extraArgs: ['--task-queue', 'gpu', '--activities-only', '--log-level', 'WARN'],
    }),
  );
  const summary = (await handle.result()) as RunSummary;
  expect(summary.status).toBe('completed');
  const last = plain!.rounds.at(-1)!;
  expect(summary.winRateVsInitial).toBeCloseTo(last.evaluation.winRate, 9);
  expect(summary.rewardModelAgreement).toBeCloseTo(last.reward!.heldOutAgreement, 9);
  const store = new S3ArtifactStore(STORE, { cacheDir: path.join(machinesDir, 'reader-cache-2') });
  const counts = new Map<string, number>();
  for (const c of await store.commitLog())
    if (c.key.startsWith('runs/fleet-crash/')) counts.set(c.key, (counts.get(c.key) ?? 0) + 1);
  expect(counts.size).toBeGreaterThan(40);
  expect([...counts].filter(([, n]) => n !== 1)).toEqual([]);
}, 600_000);
