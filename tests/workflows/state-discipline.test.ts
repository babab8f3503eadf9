/**
 * The run's state under its messages and at its end: updates with bad arguments are rejected
 * before they reach history, a raised budget survives continue-as-new, and a cancelled or failed
 * run says so in its search attribute and its progress query (a failed one naming where and why).
 * A real dev server, worker and local model server; one endpoint of it demands a key the worker
 * does not send, so judging there fails for good.
 */
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { startRun } from '../../src/cli/runs';
import { parseRunConfig } from '../../src/config/parse';
import type { RunConfigInput } from '../../src/config/schema';
import { startLocalModelServer } from '../../src/model-server/local-model-server';
import {
  pauseUpdate,
  progressQuery,
  raiseBudgetUpdate,
  resumeUpdate,
  RLAIF_STATUS,
  stopAfterRoundUpdate,
  type RunProgress,
} from '../../workflows/definitions';
import type { RunSummary } from '../../workflows/run';
import { smallConfig, startRunEnv, workflowBundle, type RunEnv } from '../helpers/run-env';
import { waitFor } from '../helpers/worker-process';

let env: RunEnv;
let open: Awaited<ReturnType<typeof startLocalModelServer>>;
let locked: Awaited<ReturnType<typeof startLocalModelServer>>;
/** The execution of the continue-as-new test that continued as new. */
let carriedFirstRunId: string | undefined;

beforeAll(async () => {
  env = await startRunEnv();
  [open, locked] = await Promise.all([
    startLocalModelServer({ port: 0 }),
    startLocalModelServer({ port: 0, apiKey: 'a key the worker does not have' }),
  ]);
  await env.startWorker({
    capabilities: {
      endpoints: {
        judge: { baseURL: open.url, model: 'local-judge' },
        locked: { baseURL: locked.url, model: 'local-judge' },
      },
    },
  });
});
afterAll(async () => {
  await Promise.all([open?.close(), locked?.close()]);
  await env?.stop();
});

/** A run judged over HTTP that reaches its token cap inside round 1. */
const budgeted = (overrides: RunConfigInput = {}) =>
  parseRunConfig(
    smallConfig({
      rounds: 2,
      judge: { kind: 'llm', endpoint: 'judge' },
      budget: { maxTokens: 100 },
      ...overrides,
    }),
  );

const progressOf = (handle: WorkflowHandle) => handle.query(progressQuery);

async function atBudgetCap(handle: WorkflowHandle): Promise<RunProgress> {
  await waitFor(
    'the budget pause',
    async () => (await progressOf(handle)).status === 'budget-exhausted',
    60000,
    200,
  );
  return progressOf(handle);
}

/** The message an update was rejected with (its validator's), or a failure if it was not. */
async function rejection(update: Promise<unknown>): Promise<string> {
  try {
    await update;
  } catch (err) {
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    return (err as WorkflowUpdateFailedError).cause?.message ?? '';
  }
  throw new Error('the update was accepted');
}

/** The value of RlaifStatus the server holds for the run. */
async function statusAttribute(handle: WorkflowHandle): Promise<string | undefined> {
  return (await handle.describe()).typedSearchAttributes.get(RLAIF_STATUS);
}

test('raiseBudget rejects bad caps before they reach history, leaving a run at its cap as it was', async () => {
  const handle = await startRun(env.client, budgeted(), { workflowId: 'sd-invalid' });
  const before = await atBudgetCap(handle);
  const cases: Array<[unknown, RegExp]> = [
    ['x', /takes an object .*; got a string$/],
    [null, /got null$/],
    [[], /got an array$/],
    [{}, /got neither$/],
    [{ maxCost: -5 }, /maxCost must be a positive finite number .*got -5$/],
    [{ maxTokens: 1.5 }, /maxTokens must be a positive integer .*got 1\.5$/],
    [{ maxTokens: '1000000' }, /maxTokens must be a positive integer .*got a string$/],
    [{ maxTokens: 1e6, unlimited: true }, /got the field "unlimited"$/],
  ];
  for (const [args, message] of cases) {
    expect(await rejection(handle.executeUpdate(raiseBudgetUpdate, { args: [args as never] }))).toMatch(
      message,
    );
  }
  expect(await rejection(handle.executeUpdate(raiseBudgetUpdate, { args: [] as never }))).toMatch(
    /got nothing$/,
  );

  // Nothing changed, and nothing is spent while the run holds at its cap.
  await new Promise((r) => setTimeout(r, 1500));
  const after = await progressOf(handle);
  expect(after).toMatchObject({
    status: 'budget-exhausted',
    budget: { maxTokens: 100 },
    spend: before.spend,
  });
  const accepted = ((await handle.fetchHistory()).events ?? []).filter(
    (e) => e.workflowExecutionUpdateAcceptedEventAttributes,
  );
  expect(accepted).toHaveLength(0);

  // pause and resume ignore arguments; a resumed run at its cap is still waiting for budget.
  expect((await handle.executeUpdate(pauseUpdate, { args: ['x'] as never })).paused).toBe(true);
  const resumed = await handle.executeUpdate(resumeUpdate, { args: [{ maxTokens: -1 }] as never });
  expect(resumed).toMatchObject({ paused: false, status: 'budget-exhausted', budget: { maxTokens: 100 } });
  await handle.executeUpdate(stopAfterRoundUpdate, { args: [null] as never });
  expect(((await handle.result()) as RunSummary).status).toBe('stopped');
});

test('a raise keeps the caps it does not name, and survives continue-as-new', async () => {
  const handle = await startRun(
    env.client,
    budgeted({ continueAsNewEvery: 1, budget: { maxTokens: 100, maxCost: 1000 } }),
    { workflowId: 'sd-carried' },
  );
  await atBudgetCap(handle);
  const raised = await handle.executeUpdate(raiseBudgetUpdate, { args: [{ maxTokens: 10_000_000 }] });
  expect(raised.budget).toEqual({ maxTokens: 10_000_000, maxCost: 1000 });

  // Round 2 runs in the next execution: without the raise it would wait at the config's cap.
  await waitFor(
    'round 2 to finish or to wait for budget',
    async () => {
      const p = await progressOf(handle);
      return p.round === 2 && (p.status === 'completed' || p.status === 'budget-exhausted');
    },
    90000,
    200,
  );
  const final = await progressOf(handle);
  expect(final).toMatchObject({ status: 'completed', budget: { maxTokens: 10_000_000, maxCost: 1000 } });
  const summary = (await handle.result()) as RunSummary;
  expect(summary).toMatchObject({ status: 'completed', rounds: 2 });
  carriedFirstRunId = handle.firstExecutionRunId;
  const first = await env.client.workflow.getHandle('sd-carried', carriedFirstRunId).fetchHistory();
  expect(first.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
  expect(await statusAttribute(handle)).toBe('completed');
});

test('a cancelled run says cancelled, in its search attribute and its progress', async () => {
  const handle = await startRun(env.client, parseRunConfig(smallConfig({ rounds: 2 })), {
    workflowId: 'sd-cancel',
  });
  await waitFor(
    'round 1 to start',
    async () => {
      const p = await progressOf(handle);
      return p.round === 1 && p.stage !== 'waiting';
    },
    60000,
    100,
  );
  await handle.cancel();
  await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
  expect((await handle.describe()).status.name).toBe('CANCELLED');
  expect(await statusAttribute(handle)).toBe('cancelled');
  const progress = await progressOf(handle);
  expect(progress.status).toBe('cancelled');
  expect(progress.failure).toBeUndefined();
});

test('a failed run says failed, and its progress names the round, stage, activity and message', async () => {
  const config = parseRunConfig(smallConfig({ rounds: 2, judge: { kind: 'llm', endpoint: 'locked' } }));
  const handle = await startRun(env.client, config, { workflowId: 'sd-failed' });
  await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
  expect((await handle.describe()).status.name).toBe('FAILED');
  expect(await statusAttribute(handle)).toBe('failed');
  const progress = await progressOf(handle);
  expect(progress.status).toBe('failed');
  expect(progress.failure).toMatchObject({ round: 1, stage: 'judge', activity: 'rlaif.judge' });
  expect(progress.failure?.message).toMatch(/401/);
});

test('a run whose config does not parse says failed, naming the config problem', async () => {
  const handle = await env.client.workflow.start('rlaifRun', {
    args: [{ ...smallConfig(), rounds: -1 }],
    taskQueue: env.taskQueue,
    workflowId: 'sd-bad-config',
  });
  await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
  expect(await statusAttribute(handle)).toBe('failed');
  const progress = await progressOf(handle);
  expect(progress).toMatchObject({
    status: 'failed',
    round: 0,
    failure: { round: 0, stage: 'config', type: 'ConfigError' },
  });
  expect(progress.failure?.message).toMatch(/rounds/);
});

test('the histories of these runs replay on the current code, patch markers and all', async () => {
  const executions: Array<[string, string | undefined]> = [
    ['sd-invalid', undefined],
    ['sd-carried', carriedFirstRunId],
    ['sd-carried', undefined],
    ['sd-cancel', undefined],
    ['sd-failed', undefined],
    ['sd-bad-config', undefined],
  ];
  const bundle = await workflowBundle();
  const patches = new Set<string>();
  for (const [id, runId] of executions) {
    const history = await env.client.workflow.getHandle(id, runId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: bundle }, history, id);
    for (const e of history.events ?? []) {
      const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0];
      if (data) patches.add(defaultPayloadConverter.fromPayload<{ id: string }>(data as never).id);
    }
  }
  // New runs take the new paths (runs recorded before take the old ones: tests/replay).
  for (const id of ['wait-for-handlers', 'raise-budget-keeps-caps', 'config-failure-status'])
    expect(patches).toContain(id);
});
