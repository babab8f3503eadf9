/**
 * Every committed artifact can be rebuilt: a corrupt or missing one is quarantined and made again
 * by its producer, and a run that meets it goes on (a retry or a resume) with the same figures;
 * where it cannot be made again (a user's input file changed), the run fails once, naming the
 * file and the fix. Never a bare ENOENT loop.
 */
import fs from 'node:fs';
import { startRun } from '../../src/cli/runs';
import { parseRunConfig } from '../../src/config/parse';
import type { RunConfigInput } from '../../src/config/schema';
import type { RunSummary } from '../../workflows/run';
import { smallConfig, startRunEnv, type RunEnv } from '../helpers/run-env';

let env: RunEnv;

beforeAll(async () => {
  env = await startRunEnv();
  await env.startWorker();
});
afterAll(async () => {
  await env?.stop();
});

async function run(id: string, overrides: RunConfigInput = {}): Promise<RunSummary> {
  const handle = await startRun(env.client, parseRunConfig(smallConfig(overrides)), { workflowId: id });
  return (await handle.result()) as RunSummary;
}

/** Flips one byte in the middle of a stored file. */
function flipByte(key: string): void {
  const file = env.store.pathOf(key);
  const bytes = fs.readFileSync(file);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = (bytes[at] as number) ^ 0x20;
  fs.writeFileSync(file, bytes);
}

test('a torn checkpoint file and a corrupt round checkpoint: the run goes on from the newest good one', async () => {
  const first = await run('cp-1', { rounds: 2 });
  fs.writeFileSync(env.store.pathOf('runs/cp-1/checkpoint.json'), '{"runKey": "cp-1", "rou');
  const again = await run('cp-1', { rounds: 2 });
  expect(again.history).toEqual(first.history);

  // Round 2's kept checkpoint corrupt too: round 2 is run again from round 1's, finding its batches.
  fs.writeFileSync(env.store.pathOf('runs/cp-1/checkpoint.json'), 'not json');
  flipByte('runs/cp-1/checkpoints/round-0002.jsonl');
  const third = await run('cp-1', { rounds: 2 });
  expect(third.history.map((h) => h.metrics.winRateVsInitial)).toEqual(
    first.history.map((h) => h.metrics.winRateVsInitial),
  );
});
