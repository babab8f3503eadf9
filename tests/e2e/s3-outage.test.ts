/**
 * Faults of the S3 server under a run: SIGKILLed in the middle of the run's commits and restarted
 * two seconds later, or throttling (503 SlowDown) a fifth of all requests. The SDK's retries and
 * the activities' retries carry the run through, and it ends with the figures of an undisturbed
 * run of the same config, each key committed once.
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { startRun } from '../../src/cli/runs';
import { parseRunConfig } from '../../src/config/parse';
import { S3ArtifactStore } from '../../src/store/s3-store';
import type { RunSummary } from '../../workflows/run';
import { smallConfig, startRunEnv, type RunEnv } from '../helpers/run-env';
import { useS3Server } from '../helpers/s3-server';
import { startThrottleProxy } from '../helpers/s3-throttle-proxy';

const s3 = useS3Server(['outage']);
let env: RunEnv;
let store: S3ArtifactStore;
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-outage-'));
  env = await startRunEnv();
  store = new S3ArtifactStore('s3://outage/runs', { cacheDir: path.join(tmp, 'cache') });
  await env.startWorker({ store });
});
afterAll(async () => {
  await env?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function run(id: string, during?: () => Promise<void>, taskQueue?: string): Promise<RunSummary> {
  const config = parseRunConfig(smallConfig({ timeouts: { heartbeatSeconds: 10 } }));
  const handle = await startRun(env.client, config, { workflowId: id, ...(taskQueue ? { taskQueue } : {}) });
  await during?.();
  return (await handle.result()) as RunSummary;
}

let calm: RunSummary;
beforeAll(async () => {
  calm = await run('calm');
}, 300_000);

/** How many times each key of a run was committed. */
async function commitCounts(reader: S3ArtifactStore, runKey: string): Promise<Array<[string, number]>> {
  const counts = new Map<string, number>();
  for (const c of await reader.commitLog()) counts.set(c.key, (counts.get(c.key) ?? 0) + 1);
  return [...counts].filter(([k]) => k.startsWith(`runs/${runKey}/`));
}

test('a run survives the S3 server killed mid-run and gives the undisturbed figures', async () => {
  const reader = new S3ArtifactStore('s3://outage/runs', { cacheDir: path.join(tmp, 'reader') });
  const stormy = await run('stormy', async () => {
    // Kill the server as soon as the first generate batch is committed: others are in flight.
    for (;;) {
      if ((await reader.listCommitted('runs/stormy/round-0001/generate')).length > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await s3().restart({ hard: true, downMs: 2000 });
  });
  expect(stormy.status).toBe('completed');
  expect(stormy.winRateVsInitial).toBe(calm.winRateVsInitial);
  expect(stormy.rewardModelAgreement).toBe(calm.rewardModelAgreement);
  const stormyKeys = await commitCounts(reader, 'stormy');
  expect(stormyKeys.length).toBeGreaterThan(20);
  expect(stormyKeys.filter(([, n]) => n !== 1)).toEqual([]);
}, 300_000);

test('a run through S3 throttling (503 SlowDown on a fifth of requests) gives the undisturbed figures', async () => {
  const proxy = await startThrottleProxy(s3().port, 0.2, 13);
  try {
    const throttled = new S3ArtifactStore('s3://outage/runs', {
      cacheDir: path.join(tmp, 'throttled-cache'),
      client: { endpoint: proxy.endpoint },
    });
    await env.startWorker({ store: throttled }, { taskQueue: 'throttled', activitiesOnly: false });
    const summary = await run('throttled', undefined, 'throttled');
    expect(summary.status).toBe('completed');
    expect(summary.winRateVsInitial).toBe(calm.winRateVsInitial);
    expect(summary.rewardModelAgreement).toBe(calm.rewardModelAgreement);
    expect(proxy.stats().throttled).toBeGreaterThan(20);
    const reader = new S3ArtifactStore('s3://outage/runs', { cacheDir: path.join(tmp, 'reader2') });
    const keys = await commitCounts(reader, 'throttled');
    expect(keys.length).toBeGreaterThan(20);
    expect(keys.filter(([, n]) => n !== 1)).toEqual([]);
  } finally {
    await proxy.close();
  }
}, 300_000);
