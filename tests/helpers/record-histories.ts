/**
 * Records small runs' histories as replay fixtures (see scripts/record-histories.js): a finished
 * run and its rounds, a run that continued-as-new, a terminated run resumed under a new id, and a
 * run whose round failed (cancelling the batches still in flight), and a run paused and unpaused
 * in its round.
 * Each kind of run ends the same way on every recording, so fixtures of two releases differ only
 * where the workflow code changed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { WorkflowHandle } from '@temporalio/client';
import { findTemporalCli } from '../../src/temporal-server/temporal-cli';
import { resumeRun, startRun } from '../../src/cli/runs';
import { parseRunConfig } from '../../src/config/parse';
import { pauseUpdate, progressQuery, unpauseUpdate } from '../../workflows/definitions';
import { smallConfig, startRunEnv, type RunEnv } from './run-env';
import { waitFor } from './worker-process';

/**
 * One execution to save: workflow id, run id (latest when absent) and the fixture's name, which
 * is the workflow id, then `@` and a tag when the id has several saved executions.
 */
interface Execution {
  workflowId: string;
  runId?: string;
  name: string;
}

/** Writes one execution's history in the CLI's JSON format, which replayers read. */
function saveHistory(env: RunEnv, dir: string, e: Execution): string {
  const json = execFileSync(
    findTemporalCli(),
    [
      'workflow',
      'show',
      '--workflow-id',
      e.workflowId,
      ...(e.runId ? ['--run-id', e.runId] : []),
      '--address',
      env.server.address,
      '--output',
      'json',
    ],
    { encoding: 'utf8' },
  );
  const file = path.join(dir, `history-${e.name}.json`);
  fs.writeFileSync(file, json);
  return file;
}

/** A two-round run to its end: the parent and both rounds. */
async function finishedRun(env: RunEnv): Promise<Execution[]> {
  const id = 'replay-fixture';
  const handle = await startRun(env.client, parseRunConfig(smallConfig({ rounds: 2 })), { workflowId: id });
  await handle.result();
  return [id, `${id}-round-1`, `${id}-round-2`].map((w) => ({ workflowId: w, name: w }));
}

/** A run that continues-as-new after each round: the first execution, its round, the next execution. */
async function continuedRun(env: RunEnv): Promise<Execution[]> {
  const id = 'replay-can';
  const config = parseRunConfig(smallConfig({ rounds: 2, continueAsNewEvery: 1 }));
  const handle = await startRun(env.client, config, { workflowId: id });
  await handle.result();
  return [
    { workflowId: id, runId: handle.firstExecutionRunId, name: id },
    { workflowId: `${id}-round-1`, name: `${id}-round-1` },
    { workflowId: id, name: `${id}@continued` },
  ];
}

/**
 * A run terminated once its first round's checkpoint is saved, then resumed like `rlaif resume`
 * does: the new execution (memo `resumedFrom`) loads that checkpoint and runs round 2 only.
 */
async function resumedRun(env: RunEnv): Promise<Execution[]> {
  const id = 'replay-resume';
  const handle: WorkflowHandle = await startRun(env.client, parseRunConfig(smallConfig({ rounds: 2 })), {
    workflowId: id,
  });
  // A round's figures show as soon as it ends; its checkpoint is saved while the next one starts.
  await waitFor(
    'the round-1 checkpoint',
    async () => ((await handle.query(progressQuery)).checkpointRound ?? 0) >= 1,
  );
  await handle.terminate('recording a resumed run');
  const resumed = await resumeRun(env.client, id);
  await resumed.result();
  return [resumed.workflowId, `${resumed.workflowId}-round-2`].map((w) => ({ workflowId: w, name: w }));
}

/**
 * A run whose judge endpoint never answers: the first judge batch to run out of attempts fails
 * the round while the others wait to retry, and the round cancels them before failing.
 */
async function failedRun(env: RunEnv): Promise<Execution[]> {
  const id = 'replay-failed';
  const config = parseRunConfig(
    smallConfig({
      rounds: 1,
      judge: { kind: 'llm', endpoint: DEAD_JUDGE },
      timeouts: { heartbeatSeconds: 3, maxAttempts: 2 },
    }),
  );
  const handle = await startRun(env.client, config, { workflowId: id });
  await handle.result().then(
    () => {
      throw new Error(`${id} was to fail: its judge endpoint does not answer`);
    },
    () => undefined,
  );
  return [id, `${id}-round-1`].map((w) => ({ workflowId: w, name: w }));
}

/**
 * A run paused and unpaused while its round runs: the round answers each with its stages, and
 * the run's updates wait for that answer.
 */
async function pausedRun(env: RunEnv): Promise<Execution[]> {
  const id = 'replay-paused';
  const handle = await startRun(env.client, parseRunConfig(smallConfig({ rounds: 1 })), { workflowId: id });
  await waitFor('round 1 under way', async () => {
    const p = await handle.query(progressQuery);
    return p.round === 1 && p.stage === 'round';
  });
  await handle.executeUpdate(pauseUpdate);
  await new Promise((r) => setTimeout(r, 1000));
  await handle.executeUpdate(unpauseUpdate);
  await handle.result();
  return [id, `${id}-round-1`].map((w) => ({ workflowId: w, name: w }));
}

/** An endpoint name the recording worker declares, on a port nothing listens on. */
const DEAD_JUDGE = 'dead-judge';

/** Records every kind of run into `dir` (created if missing); returns the files written. */
export async function recordHistories(dir: string): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const env = await startRunEnv();
  try {
    await env.startWorker({
      capabilities: { endpoints: { [DEAD_JUDGE]: { baseURL: 'http://127.0.0.1:9/v1', model: 'judge' } } },
    });
    const files: string[] = [];
    for (const record of [finishedRun, continuedRun, resumedRun, failedRun, pausedRun]) {
      for (const execution of await record(env)) files.push(saveHistory(env, dir, execution));
    }
    return files;
  } finally {
    await env.stop();
  }
}
