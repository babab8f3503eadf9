/**
 * The operator's view of a run, against a real dev server: a lean round history (no progress
 * signals or pacing timers, the config by reference, at most 60 events and 25 KB for a demo
 * round), the batches a failed round abandons cancelled, progress that never goes backwards, a
 * finished run showing its final state, and the `pause` / `unpause` updates (and the old `resume`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { queryProgress } from '../../src/cli/progress';
import { startRun } from '../../src/cli/runs';
import { parseRunConfig } from '../../src/config/parse';
import type { RunConfigInput } from '../../src/config/schema';
import type { StageInput } from '../../src/contracts';
import {
  pauseUpdate,
  progressQuery,
  resumeUpdate,
  unpauseUpdate,
  type RunProgress,
} from '../../workflows/definitions';
import type { RunSummary } from '../../workflows/run';
import { smallConfig, startRunEnv, type RunEnv } from '../helpers/run-env';
import { waitFor } from '../helpers/worker-process';

let env: RunEnv;

beforeAll(async () => {
  env = await startRunEnv();
  await env.startWorker();
});
afterAll(async () => {
  await env?.stop();
});

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const { EventType } = temporal.api.enums.v1;

async function historyOf(workflowId: string): Promise<temporal.api.history.v1.IHistory> {
  return env.client.workflow.getHandle(workflowId).fetchHistory();
}

const ofType = (events: readonly HistoryEvent[], type: temporal.api.enums.v1.EventType) =>
  events.filter((e) => e.eventType === type);

/** The decoded inputs of the activities a history scheduled. */
function activityInputs(
  events: readonly HistoryEvent[],
): Array<{ type: string; input: Record<string, unknown> }> {
  return events.flatMap((e) => {
    const a = e.activityTaskScheduledEventAttributes;
    const data = a?.input?.payloads?.[0]?.data;
    if (!a || !data) return [];
    return [{ type: a.activityType?.name ?? '', input: JSON.parse(Buffer.from(data).toString('utf8')) }];
  });
}

test('a demo round keeps a lean history: no signals or timers, the config by reference, ≤ 60 events and ≤ 25 KB', async () => {
  const demo = JSON.parse(
    fs.readFileSync(path.join(__dirname, '..', '..', '..', 'examples', 'demo.json'), 'utf8'),
  ) as RunConfigInput;
  const handle = await startRun(env.client, parseRunConfig({ ...demo, rounds: 2 }), {
    workflowId: 'lean-demo',
  });
  await handle.result();
  const history = await historyOf('lean-demo-round-2');
  const events = history.events ?? [];
  const bytes = temporal.api.history.v1.History.encode(history).finish().length;
  // Before: 94 events and 49.9 KB, of which 4 progress signals and 3 pacing timers.
  expect(events.length).toBeLessThanOrEqual(60);
  expect(bytes).toBeLessThanOrEqual(25_000);
  expect(ofType(events, EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED)).toEqual([]);
  expect(ofType(events, EventType.EVENT_TYPE_TIMER_STARTED)).toEqual([]);

  const inputs = activityInputs(events);
  expect(inputs.map((i) => i.type)).toEqual([
    'rlaif.generate',
    'rlaif.generate',
    'rlaif.judge',
    'rlaif.judge',
    'rlaif.trainReward',
    'rlaif.optimizePolicy',
    'rlaif.evaluate',
  ]);
  for (const { input } of inputs) {
    expect(input.config).toBeUndefined();
    expect(input.configRef).toMatchObject({ uri: expect.stringMatching(/^store:runs\/lean-demo\/config\//) });
  }
  // A stage is sent the artifacts it reads (and those needed to rebuild them), not the whole board.
  const boardKeys = (type: string) =>
    Object.keys(inputs.find((i) => i.type === type)?.input.board as Record<string, unknown>).sort();
  expect(boardKeys('rlaif.generate')).toEqual(['policy', 'trainPrompts']);
  expect(boardKeys('rlaif.judge')).toEqual(['policy', 'responses', 'trainPrompts']);
  // Evaluation reads what it measures: the policies and the reward model, and on demo data the
  // judged labels and the reward model's pool too (their agreement with gold), nothing else.
  const evaluate = inputs.find((i) => i.type === 'rlaif.evaluate')?.input.board as Record<string, unknown>;
  expect(Object.keys(evaluate).sort()).toEqual([
    'evalPrompts',
    'initialPolicy',
    'newPolicy',
    'policy',
    'preferencePool',
    'preferences',
    'responses',
    'rewardModel',
    'trainPrompts',
  ]);
  // The stored config is the run's own.
  const stored = await env.store.readJsonl<Record<string, unknown>>(
    inputs[0]!.input.configRef as Parameters<typeof env.store.readJsonl>[0],
  );
  expect(stored[0]).toMatchObject({ name: 'demo', seed: 7, concurrency: demo.concurrency });
});

/**
 * A judge pool whose first batch fails for good once the others are under way, and whose other
 * batches heartbeat until they are cancelled.
 */
async function failingJudgePool(taskQueue: string): Promise<() => Promise<void>> {
  const connection = await NativeConnection.connect({ address: env.server.address });
  const worker = await Worker.create({
    connection,
    taskQueue,
    activities: {
      'rlaif.judge': async (input: StageInput) => {
        const ctx = Context.current();
        const started = Date.now();
        for (;;) {
          if (input.batch?.index === 0 && Date.now() - started > 1500)
            throw ApplicationFailure.nonRetryable(
              'the judge endpoint refused the key',
              'EndpointConfigError',
            );
          ctx.heartbeat();
          await ctx.sleep(100); // rejects once the activity is cancelled
        }
      },
    },
  });
  const running = worker.run();
  return async () => {
    worker.shutdown();
    await running.catch(() => undefined);
    await connection.close();
  };
}

test('a failed round cancels the batches still in flight instead of leaving them pending', async () => {
  const stopPool = await failingJudgePool('failing-judge');
  try {
    const handle = await startRun(
      env.client,
      parseRunConfig(
        smallConfig({ rounds: 1, taskQueues: { judge: 'failing-judge' }, timeouts: { heartbeatSeconds: 2 } }),
      ),
      { workflowId: 'abandon-1' },
    );
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    const events = (await historyOf('abandon-1-round-1')).events ?? [];
    const judges = events.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'rlaif.judge',
    );
    expect(judges).toHaveLength(4);
    const closedBy = new Map<number, string>();
    for (const e of events) {
      const closed =
        e.activityTaskCompletedEventAttributes ??
        e.activityTaskFailedEventAttributes ??
        e.activityTaskCanceledEventAttributes ??
        e.activityTaskTimedOutEventAttributes;
      if (closed) closedBy.set(Number(closed.scheduledEventId), EventType[e.eventType as number]);
    }
    // Every judge batch is closed: one failed, the three others cancelled (none left pending).
    const outcomes = judges.map((e) => closedBy.get(Number(e.eventId)) ?? 'pending');
    expect(outcomes.sort()).toEqual([
      'EVENT_TYPE_ACTIVITY_TASK_CANCELED',
      'EVENT_TYPE_ACTIVITY_TASK_CANCELED',
      'EVENT_TYPE_ACTIVITY_TASK_CANCELED',
      'EVENT_TYPE_ACTIVITY_TASK_FAILED',
    ]);
    expect(events.at(-1)?.eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED);
    // The run names the round, stage and activity that failed, and why.
    const progress = await handle.query(progressQuery);
    expect(progress.status).toBe('failed');
    expect(progress.failure).toMatchObject({
      round: 1,
      stage: 'judge',
      activity: 'rlaif.judge',
      message: 'the judge endpoint refused the key',
    });
  } finally {
    await stopPool();
  }
});

/** The stages of a classic round. */
const STAGES = ['generate', 'judge', 'train-reward', 'optimize-policy', 'evaluate'];

/** Stage ids in round order, to compare positions. */
const ORDER = [
  'prepare',
  'waiting',
  'round',
  'generate',
  'judge',
  'train-reward',
  'optimize-policy',
  'evaluate',
  'checkpoint',
  'done',
];

/** A comparable position of a progress snapshot: round, then stage, then batches done. */
function position(p: RunProgress): [number, number, number] {
  return [p.round, ORDER.indexOf(p.stage), p.batchesDone];
}

function notBefore(a: [number, number, number], b: [number, number, number]): boolean {
  for (let i = 0; i < a.length; i++) {
    if ((a[i] as number) !== (b[i] as number)) return (a[i] as number) > (b[i] as number);
  }
  return true;
}

test('progress never goes backwards, a round’s figures come before the next round, and a finished run shows its final state', async () => {
  const handle: WorkflowHandle = await startRun(env.client, parseRunConfig(smallConfig({ rounds: 3 })), {
    workflowId: 'monotonic-1',
  });
  const result = handle.result();
  let done = false;
  void result.finally(() => {
    done = true;
  });
  const seen: RunProgress[] = [];
  while (!done) {
    const p = await queryProgress(handle).catch(() => undefined);
    // A round that did not answer (it was closing as it was asked) gives no news, not a step
    // back: the run's own view then says only that a round runs.
    if (p && !(p.stage === 'round' && p.stages.length === 0 && seen.at(-1)?.round === p.round)) seen.push(p);
    await new Promise((r) => setTimeout(r, 25));
  }
  const summary = (await result) as RunSummary;
  expect(summary.rounds).toBe(3);
  expect(seen.length).toBeGreaterThan(10);
  // Every stage of a round shows up, in order, while the run is going.
  const stagesSeen = new Set(seen.filter((p) => p.round === 2).map((p) => p.stage));
  expect([...stagesSeen].filter((s) => !['round', 'waiting'].includes(s)).length).toBeGreaterThanOrEqual(3);
  for (let i = 1; i < seen.length; i++) {
    const [before, after] = [seen[i - 1] as RunProgress, seen[i] as RunProgress];
    if (!notBefore(position(after), position(before)))
      throw new Error(
        `progress went back: ${JSON.stringify(position(before))} → ${JSON.stringify(position(after))}`,
      );
    expect(after.history.length).toBeGreaterThanOrEqual(before.history.length);
  }
  for (const p of seen) {
    // A round running means every round before it has its figures already.
    if (p.status === 'running' && p.stage !== 'done')
      expect(p.history.length).toBeGreaterThanOrEqual(p.round - 1);
    // A stage's batches done never exceed its total.
    for (const s of p.stages) expect(s.batchesDone).toBeLessThanOrEqual(s.batchesTotal);
  }

  const final = await handle.query(progressQuery);
  expect(final).toMatchObject({ status: 'completed', round: 3, rounds: 3, stage: 'done' });
  expect(final.batchesDone).toBe(final.batchesTotal);
  expect(final.history.map((h) => h.round)).toEqual([1, 2, 3]);
  expect(final.latest).toEqual(final.history[2]?.metrics);
  expect(final.checkpointRound).toBe(3);
  expect(final.roundWorkflowId).toBeUndefined();
  expect(final.stages.map((s) => s.stage)).toEqual([
    'generate',
    'judge',
    'train-reward',
    'optimize-policy',
    'evaluate',
  ]);
  for (const s of final.stages) {
    expect(s.batchesDone).toBe(s.batchesTotal);
    expect(s.finishedAt).toBeDefined();
  }
  expect(final.lastRound).toEqual({ round: 3, stages: final.stages });
});

test('pause and unpause answer with where the running round is; the old name `resume` still unpauses', async () => {
  const handle = await startRun(env.client, parseRunConfig(smallConfig({ rounds: 2 })), {
    workflowId: 'unpause-1',
  });
  // Wait until round 1 is in one of its stages, then pause.
  await waitFor(
    'a stage of round 1',
    async () => {
      const p = await queryProgress(handle).catch(() => undefined);
      return p?.round === 1 && STAGES.includes(p.stage);
    },
    60_000,
    20,
  );
  const paused = await handle.executeUpdate(pauseUpdate);
  expect(paused).toMatchObject({ paused: true, status: 'paused', round: 1 });
  // The answer is the round's own account: its stages so far, the current one not finished
  // (or the last one, all done), never a stage the round has left behind.
  expect(paused.stages.length).toBeGreaterThan(0);
  expect(STAGES).toContain(paused.stage);
  const current = paused.stages.find((st) => st.stage === paused.stage);
  expect(current).toBeDefined();
  const later = paused.stages.slice(paused.stages.indexOf(current!) + 1);
  expect(later).toEqual([]);
  // The round holds: what it says a moment later has not moved past the answer's stage.
  await new Promise((r) => setTimeout(r, 1500));
  const held = await queryProgress(handle);
  expect(held.status).toBe('paused');
  expect(held.stages.length).toBeLessThanOrEqual(paused.stages.length + 1);

  const unpaused = await handle.executeUpdate(unpauseUpdate);
  expect(unpaused).toMatchObject({ paused: false });
  expect(unpaused.status).not.toBe('paused');

  expect((await handle.executeUpdate(pauseUpdate)).paused).toBe(true);
  const resumed = await handle.executeUpdate(resumeUpdate);
  expect(resumed).toMatchObject({ paused: false });
  expect(resumed.status).not.toBe('paused');
  const summary = (await handle.result()) as RunSummary;
  expect(summary.status).toBe('completed');
});
