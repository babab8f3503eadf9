/**
 * Every committed artifact can be rebuilt: a corrupt or missing one is quarantined and made again
 * by its producer, and a run that meets it goes on (a retry or a resume) with the same figures;
 * where it cannot be made again (a user's input file changed), the run fails once, naming the
 * file and the fix. Never a bare ENOENT loop.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { startRun } from '../../src/cli/runs';
import { parseRunConfig } from '../../src/config/parse';
import type { RunConfigInput } from '../../src/config/schema';
import type { RunSummary } from '../../workflows/run';
import { failureChain } from '../helpers/failure-chain';
import { smallConfig, startRunEnv, type RunEnv } from '../helpers/run-env';

let env: RunEnv;
let dataDir: string;

beforeAll(async () => {
  env = await startRunEnv();
  dataDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-rebuild-data-')));
  await env.startWorker({ capabilities: { dataRoots: { data: dataDir } } });
});
afterAll(async () => {
  await env?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
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

/** The sha256 a key is committed with now. */
const shaOf = async (key: string) => (await env.store.get(key))?.sha256;

test.each([
  ['prepared prompts', 'prepare/train-prompts.jsonl'],
  ['the initial policy', 'prepare/initial-policy.onnx'],
  ["round 1's policy", 'round-0001/optimize-policy/policy.onnx'],
  ["round 1's pool of judged pairs", 'round-0001/train-reward/preference-pool.jsonl'],
])(
  '%s found corrupt by a later round is made again by its producer; the figures do not change',
  async (_, part) => {
    const id = `rb-${part.replace(/[^a-z0-9]+/g, '-')}`;
    const reference = await run(`${id}-ref`, { rounds: 2 });
    await run(id, { rounds: 1 });
    const key = `runs/${id}/${part}`;
    const sha = await shaOf(key);
    expect(sha).toBeDefined();
    flipByte(key);
    // The same run, extended to a second round, reads the corrupt artifact.
    const extended = await run(id, { rounds: 2 });
    expect(extended.history.map((h) => h.metrics)).toEqual(reference.history.map((h) => h.metrics));
    expect(await shaOf(key)).toBe(sha); // made again, byte for byte
    expect((await env.store.quarantineLog()).map((q) => q.key)).toContain(key);
  },
);

test('a prompt file changed after the run copied it: the run fails once, naming the file and the fix', async () => {
  const lines = (n: number, word: string) =>
    Array.from({ length: n }, (_, i) =>
      JSON.stringify({ id: `p${i}`, prompt: `describe the ${word} ${i}` }),
    ).join('\n');
  fs.writeFileSync(path.join(dataDir, 'train.jsonl'), lines(16, 'ocean'));
  fs.writeFileSync(path.join(dataDir, 'eval.jsonl'), lines(8, 'forest'));
  const data = { kind: 'jsonl' as const, trainFile: 'data:train.jsonl', evalFile: 'data:eval.jsonl' };
  await run('rb-file', { rounds: 1, data });
  fs.writeFileSync(path.join(dataDir, 'train.jsonl'), lines(16, 'city'));
  flipByte('runs/rb-file/prepare/train-prompts.jsonl');
  const handle = await startRun(env.client, parseRunConfig(smallConfig({ rounds: 2, data })), {
    workflowId: 'rb-file',
  });
  const error = await handle.result().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const chain = failureChain(error);
  expect(chain).toContain(
    'data.trainFile: the prompt file data:train.jsonl has changed since this run prepared it',
  );
  expect(chain).toContain('rlaif rerun <workflowId> --from-round 1');
  expect(chain).not.toContain('ENOENT');
});
