/**
 * A run at the config's largest sizes, sent by anyone who can start a workflow, cannot wedge a
 * worker: the data is made off the event loop, so the worker keeps heartbeating and a SIGTERM
 * stops it within seconds.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startRun } from '../../src/cli/runs';
import { parseRunConfig } from '../../src/config/parse';
import { MAX_PROMPTS } from '../../src/config/schema';
import { startTestServer, type TestServer } from '../helpers/dev-server';
import { smallConfig } from '../helpers/run-env';
import { spawnWorker, waitFor } from '../helpers/worker-process';

let server: TestServer;
let client: Client;
let storeRoot: string;

beforeAll(async () => {
  server = await startTestServer();
  client = new Client({ connection: await Connection.connect({ address: server.address }) });
  storeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-shutdown-'));
});
afterAll(async () => {
  await client?.connection.close();
  await server?.stop();
  fs.rmSync(storeRoot, { recursive: true, force: true });
});

test('SIGTERM stops a worker within seconds while it prepares a run of the largest size', async () => {
  const worker = spawnWorker(server.address, storeRoot);
  try {
    await waitFor('the worker to poll', () => worker.output().includes('worker polling'), 60_000, 50);
    const config = parseRunConfig(
      smallConfig({
        rounds: 1,
        data: { kind: 'demo', trainPrompts: MAX_PROMPTS, evalPrompts: MAX_PROMPTS, sftExamples: 100_000 },
        timeouts: { heartbeatSeconds: 2 },
      }),
    );
    const handle = await startRun(client, config, { workflowId: 'largest' });
    // A started activity is written to history only when it ends: ask for the pending ones.
    const prepareStarted = async () =>
      ((await handle.describe()).raw.pendingActivities ?? []).some(
        (a) => (a.attempt ?? 0) >= 1 && a.lastStartedTime,
      );
    await waitFor('prepare to start', prepareStarted, 60_000, 100);
    await new Promise((r) => setTimeout(r, 1500)); // into the data generation and SFT
    const sent = Date.now();
    const exited = new Promise<number>((resolve) =>
      worker.child.once('exit', () => resolve(Date.now() - sent)),
    );
    worker.child.kill('SIGTERM');
    const exitMs = await exited;
    process.stderr.write(`worker exited ${exitMs} ms after SIGTERM\n`);
    expect(exitMs).toBeLessThan(8_000);
    // The heartbeats kept flowing while it worked: no attempt of prepare timed out.
    const events = (await handle.fetchHistory()).events ?? [];
    expect(events.some((e) => e.activityTaskTimedOutEventAttributes)).toBe(false);
    await handle.terminate('test over');
  } finally {
    await worker.kill();
  }
}, 120_000);
