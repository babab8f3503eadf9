/**
 * One id, one run: a workflow id (or runKey) reused with another config fails at once instead of
 * returning the old run's figures; with the same config it returns the committed result; and
 * `rlaif rerun --from-round N` recomputes a run from round N in a namespace of its own, reusing
 * only what came before N.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { rerunRun } from '../../src/cli/rerun';
import { startRun } from '../../src/cli/runs';
import { parseRunConfig } from '../../src/config/parse';
import type { RunConfigInput } from '../../src/config/schema';
import { runFingerprint } from '../../src/run/fingerprint';
import { findTemporalCli } from '../../src/temporal-server/temporal-cli';
import type { RunSummary } from '../../workflows/run';
import { failureChain } from '../helpers/failure-chain';
import { commitCounts, smallConfig, startRunEnv, type RunEnv } from '../helpers/run-env';

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

/** The message chain of a failed run, and the attempts of its prepare activity. */
async function failure(id: string): Promise<{ message: string; prepareAttempts: number }> {
  const error = await env.client.workflow
    .getHandle(id)
    .result()
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const events = (await env.client.workflow.getHandle(id).fetchHistory()).events ?? [];
  return {
    message: failureChain(error),
    prepareAttempts: events.filter((e) => e.activityTaskStartedEventAttributes).length,
  };
}

const keysOf = async (runKey: string) =>
  [...(await commitCounts(env.store)).keys()].filter((k) => k.startsWith(`runs/${runKey}/`));

test('an id reused with another config fails at once, naming both fingerprints and the way out', async () => {
  const first = await run('reuse-1', { rounds: 1 });
  expect(first.status).toBe('completed');
  const other = { rounds: 2, seed: 8, preset: 'dpo' as const };
  await startRun(env.client, parseRunConfig(smallConfig(other)), { workflowId: 'reuse-1' });
  const { message, prepareAttempts } = await failure('reuse-1');
  const [a, b] = [smallConfig({ rounds: 1 }), smallConfig(other)].map((c) =>
    runFingerprint(parseRunConfig(c)),
  );
  expect(message).toContain(`run key "reuse-1" already holds a run made by another config (fingerprint ${a}`);
  expect(message).toContain(`this config's is ${b}; they differ in preset, seed`);
  expect(message).toContain('rlaif start --fresh');
  expect(prepareAttempts).toBe(1); // non-retryable
  // Nothing of the namespace was touched: still the first run's rounds only.
  expect((await keysOf('reuse-1')).some((k) => k.includes('round-0002'))).toBe(false);

  // A fresh namespace under the same id runs the new config for real.
  const fresh = await run('reuse-1', { ...other, runKey: 'reuse-1-fresh' });
  expect(fresh.status).toBe('completed');
  expect(fresh.rounds).toBe(2);
  expect(fresh.history[0]!.metrics.klToInitial).not.toBe(first.history[0]!.metrics.klToInitial);
  expect(fresh.history[0]!.metrics.rewardModelAgreement).toBeUndefined(); // dpo trains no reward model
});

test('the same id with the same config returns the committed result without recomputing', async () => {
  const first = await run('same-1', { rounds: 1 });
  const commits = (await env.store.commitLog()).length;
  const again = await run('same-1', { rounds: 1, name: 'renamed' }); // the name decides nothing
  expect(again.history).toEqual(first.history);
  // Nothing is computed again: the only write is the renamed config's copy, which the run's
  // activities would be given a reference to (runs/<key>/config/<hash>.jsonl).
  const added = (await env.store.commitLog()).slice(commits).map((c) => c.key);
  expect(added).toEqual([expect.stringMatching(/^runs\/same-1\/config\/[0-9a-f]+\.jsonl$/)]);
});

test('rerun --from-round 2 reuses round 1 and the prepared data, and recomputes round 2 in a new namespace', async () => {
  const original = await run('rr-1', { rounds: 2 });
  const handle = await rerunRun(env.client, 'rr-1', 2, { newWorkflowId: 'rr-1-again' });
  const rerun = (await handle.result()) as RunSummary;
  expect(rerun.runKey).toBe('rr-1-again');
  expect(rerun.rounds).toBe(2);
  // Round 1 is the old run's; round 2 was computed again, by the same code, to the same figures.
  expect(rerun.history[0]).toEqual(original.history[0]);
  expect(rerun.history[1]!.metrics.winRateVsInitial).toBeCloseTo(
    original.history[1]!.metrics.winRateVsInitial!,
    9,
  );
  const keys = await keysOf('rr-1-again');
  expect(keys.some((k) => k.includes('/round-0002/'))).toBe(true);
  expect(keys.some((k) => k.includes('/round-0001/'))).toBe(false);
  expect(keys.some((k) => k.endsWith('prepare/initial-policy.onnx'))).toBe(false);
  // The old run is untouched.
  expect(fs.existsSync(env.store.pathOf('runs/rr-1/round-0002'))).toBe(true);

  // From round 1 nothing is reused: the new namespace prepares its own data.
  const whole = (await (
    await rerunRun(env.client, 'rr-1', 1, { newWorkflowId: 'rr-1-whole' })
  ).result()) as RunSummary;
  expect(whole.history.map((h) => h.metrics.winRateVsInitial)).toEqual(
    original.history.map((h) => h.metrics.winRateVsInitial),
  );
  expect((await keysOf('rr-1-whole')).some((k) => k.endsWith('prepare/initial-policy.onnx'))).toBe(true);
});

test('a rerun from a round the old run never reached is refused with the rounds it can start from', async () => {
  await run('rr-short', { rounds: 1 });
  await startRun(
    env.client,
    parseRunConfig(
      smallConfig({ rounds: 3, runKey: 'rr-short-r3', rerunOf: { runKey: 'rr-short', fromRound: 3 } }),
    ),
    { workflowId: 'rr-short-r3' },
  );
  const { message } = await failure('rr-short-r3');
  expect(message).toContain(
    'rerunOf.fromRound: run key "rr-short" kept no checkpoint of round 2 (its last finished round is 1); rerun from round 1 or from round 2',
  );
});

test('temporal workflow reset to the first workflow task recomputes nothing committed, as the README says', async () => {
  const first = await run('reset-1', { rounds: 1 });
  const commits = (await env.store.commitLog()).length;
  await promisify(execFile)(findTemporalCli(), [
    'workflow',
    'reset',
    '--address',
    env.server.address,
    '--workflow-id',
    'reset-1',
    '--type',
    'FirstWorkflowTask',
    '--reason',
    'test',
  ]);
  const again = (await env.client.workflow.getHandle('reset-1').result()) as RunSummary;
  expect(again.history).toEqual(first.history);
  expect((await env.store.commitLog()).length).toBe(commits);
});
