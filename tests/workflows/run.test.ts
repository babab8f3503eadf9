/** Runs against a real Temporal dev server: completion, presets, custom stages, pause, bad config. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { rewardModelAgreement } from '../../src/eval/gold-figures';
import { startRun } from '../../src/cli/runs';
import { parseRunConfig } from '../../src/config/parse';
import { createConfidenceFilterStage } from '../../src/custom/confidence-filter';
import { LocalArtifactStore } from '../../src/store/local-store';
import type { PromptRow, ResponseRow } from '../../src/stages/types';
import { pauseUpdate, progressQuery, resumeUpdate, stopAfterRoundUpdate } from '../../workflows/definitions';
import type { RunSummary } from '../../workflows/run';
import { historyText } from '../helpers/history-text';
import { commitCounts, smallConfig, startRunEnv, type RunEnv } from '../helpers/run-env';

let env: RunEnv;
/** The worker's data root: the folder its owner lets runs read files from. */
let dataDir: string;

beforeAll(async () => {
  env = await startRunEnv();
  dataDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-data-root-')));
  const store = new LocalArtifactStore(env.storeRoot);
  await env.startWorker({
    stages: { confidenceFilter: createConfidenceFilterStage(store, 0.1) },
    capabilities: { dataRoots: { data: dataDir } },
  });
});
afterAll(async () => {
  await env?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

async function run(id: string, overrides: Parameters<typeof smallConfig>[0] = {}): Promise<RunSummary> {
  const handle = await startRun(env.client, parseRunConfig(smallConfig(overrides)), { workflowId: id });
  return (await handle.result()) as RunSummary;
}

test('a classic run completes every round, commits each batch once and keeps data out of history', async () => {
  const summary = await run('classic-1');
  expect(summary.status).toBe('completed');
  expect(summary.rounds).toBe(2);
  expect(summary.history).toHaveLength(2);
  expect(summary.winRateVsInitial).toBeGreaterThanOrEqual(0);
  expect(summary.rewardModelAgreement).toBeGreaterThan(0);
  expect(summary.winRateCI?.[0]).toBeLessThanOrEqual(summary.winRateVsInitial as number);

  // The run's progress shows how every stage of the last round ended, though a round paces its
  // signals and sends none for its last stages: its result says it.
  const progress = await env.client.workflow.getHandle('classic-1').query(progressQuery);
  expect(progress.stages.map((st) => st.stage)).toEqual([
    'generate',
    'judge',
    'train-reward',
    'optimize-policy',
    'evaluate',
  ]);
  for (const st of progress.stages) {
    expect(st.batchesDone).toBe(st.batchesTotal);
    expect(st.finishedAt).toBeGreaterThanOrEqual(st.startedAt);
  }

  const counts = await commitCounts(env.store);
  const mine = [...counts].filter(([k]) => k.startsWith('runs/classic-1/'));
  expect(mine.length).toBeGreaterThan(20);
  expect(mine.filter(([, n]) => n !== 1)).toEqual([]);
  // 32 prompts in batches of 8: 4 generate and 4 judge batches per round.
  expect(mine.filter(([k]) => /round-0001\/generate\/batch-\d+-of-0004\.jsonl$/.test(k))).toHaveLength(4);
  expect(mine.filter(([k]) => /round-0001\/judge\/batch-\d+-of-0004\.jsonl$/.test(k))).toHaveLength(4);

  // Claim check: no prompt or response text appears in any history of the run.
  const prompts = await env.store.readJsonl<PromptRow>(
    (await env.store.get('runs/classic-1/prepare/train-prompts.jsonl'))!,
  );
  const responses = await env.store.readJsonl<ResponseRow>(
    (await env.store.get('runs/classic-1/round-0001/generate/batch-0000-of-0004.jsonl'))!,
  );
  const histories: string[] = [];
  for (const id of ['classic-1', 'classic-1-round-1', 'classic-1-round-2']) {
    histories.push(await historyText(env.client, id));
  }
  const all = histories.join('\n');
  // The decoded payloads are searched: the config and artifact references are there...
  expect(all).toContain('"name":"test-run"');
  expect(all).toContain('store:runs/classic-1/round-0001/generate/batch-0000-of-0004.jsonl');
  // ...but no prompt or response text is.
  for (const p of prompts.slice(0, 10)) expect(all).not.toContain(p.prompt);
  for (const r of responses.filter((x) => x.response.split(' ').length >= 3).slice(0, 10)) {
    expect(all).not.toContain(r.response);
  }
});

test('a run that continues-as-new every round picks up from its checkpoint each time', async () => {
  const handle = await startRun(
    env.client,
    parseRunConfig(smallConfig({ rounds: 3, continueAsNewEvery: 1 })),
    {
      workflowId: 'can-1',
    },
  );
  const summary = (await handle.result()) as RunSummary;
  expect(summary.status).toBe('completed');
  expect(summary.history.map((h) => h.round)).toEqual([1, 2, 3]);
  const first = await env.client.workflow.getHandle('can-1', handle.firstExecutionRunId).fetchHistory();
  const events = first.events ?? [];
  expect(events[events.length - 1]?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
  // Each execution ran exactly one round child.
  const children = events.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes);
  expect(children).toHaveLength(1);
  const counts = await commitCounts(env.store);
  expect([...counts].filter(([k, n]) => k.startsWith('runs/can-1/') && n !== 1)).toEqual([]);
});

test('a large dataset gets larger batches, not more activities, beyond maxBatches', async () => {
  const summary = await run('capped-1', {
    rounds: 1,
    data: { kind: 'demo', trainPrompts: 40, evalPrompts: 16, sftExamples: 300 },
    generate: { batchSize: 4, maxBatches: 3 },
  });
  expect(summary.history[0]!.metrics.responses).toBe(80);
  const keys = [...(await commitCounts(env.store)).keys()];
  expect(
    keys.filter((k) => /^runs\/capped-1\/round-0001\/generate\/batch-\d+-of-0003\.jsonl$/.test(k)),
  ).toHaveLength(3);
  expect(
    keys.filter((k) => /^runs\/capped-1\/round-0001\/judge\/batch-\d+-of-0003\.jsonl$/.test(k)),
  ).toHaveLength(3);
});

test('the dpo and direct presets run their own DAGs', async () => {
  const dpo = await run('dpo-1', { preset: 'dpo', rounds: 1 });
  expect(dpo.history[0]?.metrics.dpoPairs).toBe(32);
  expect(dpo.rewardModelAgreement).toBeUndefined();
  const direct = await run('direct-1', { preset: 'direct', rounds: 1 });
  expect(direct.history[0]?.metrics.meanJudgeScore).toBeGreaterThan(1);
  expect(direct.history[0]?.metrics.trainMeanReward).toBeDefined();
  const keys = [...(await commitCounts(env.store)).keys()];
  expect(keys.some((k) => k.startsWith('runs/dpo-1/round-0001/train-reward/'))).toBe(false);
  expect(keys.some((k) => k.startsWith('runs/direct-1/round-0001/score/'))).toBe(true);
});

test('a custom stage registered through the plugin runs where the config puts it', async () => {
  const summary = await run('custom-1', {
    rounds: 1,
    stages: [
      { id: 'generate', type: 'generate' },
      { id: 'judge', type: 'judge', after: ['generate'] },
      { id: 'filter', type: 'custom', activity: 'confidenceFilter', after: ['judge'] },
      { id: 'train-reward', type: 'train-reward', after: ['filter'] },
      { id: 'optimize-policy', type: 'optimize-policy', after: ['train-reward'] },
      { id: 'evaluate', type: 'evaluate', after: ['optimize-policy'] },
    ],
  });
  const m = summary.history[0]!.metrics;
  expect(m.pairsKept! + m.pairsDropped!).toBe(32);
  // The reward model trained on the filtered pairs only.
  expect(m.rewardModelTrainPairs! + m.rewardModelHeldOutPairs!).toBe(m.pairsKept);
});

test('a stage routed to its own task queue runs on the worker pool polling that queue', async () => {
  const stopPool = await env.startWorker({}, { taskQueue: 'judge-pool', activitiesOnly: true });
  try {
    const summary = await run('routed-1', { rounds: 1, taskQueues: { judge: 'judge-pool' } });
    expect(summary.status).toBe('completed');
    const history = await env.client.workflow.getHandle('routed-1-round-1').fetchHistory();
    const scheduled = (history.events ?? []).flatMap((e) => {
      const a = e.activityTaskScheduledEventAttributes;
      return a ? [{ type: a.activityType?.name, queue: a.taskQueue?.name }] : [];
    });
    expect(scheduled.filter((s) => s.type === 'rlaif.judge').map((s) => s.queue)).toEqual(
      Array(4).fill('judge-pool'),
    );
    expect(scheduled.filter((s) => s.type === 'rlaif.generate').every((s) => s.queue === 'rlaif')).toBe(true);
  } finally {
    await stopPool();
  }
});

test('pause holds the run between activities, resume lets it finish, stop ends it after the round', async () => {
  const handle = await startRun(env.client, parseRunConfig(smallConfig({ rounds: 3 })), {
    workflowId: 'pause-1',
  });
  const paused = await handle.executeUpdate(pauseUpdate);
  expect(paused.paused).toBe(true);
  await new Promise((r) => setTimeout(r, 2500));
  const during = await handle.query(progressQuery);
  expect(during.status).toBe('paused');
  expect(during.history.length).toBeLessThanOrEqual(1);
  const held = during.history.length;
  await new Promise((r) => setTimeout(r, 1500));
  expect((await handle.query(progressQuery)).history.length).toBe(held);
  const resumed = await handle.executeUpdate(resumeUpdate);
  expect(resumed.paused).toBe(false);
  await handle.executeUpdate(stopAfterRoundUpdate);
  const summary = (await handle.result()) as RunSummary;
  expect(summary.status).toBe('stopped');
  expect(summary.rounds).toBeLessThan(3);
});

test('prompts from a user file are used, and a bad line fails the run at once with file and line', async () => {
  const dir = path.join(dataDir, 'jsonl');
  fs.mkdirSync(dir);
  {
    const lines = (n: number, prefix: string) =>
      Array.from({ length: n }, (_, i) =>
        JSON.stringify({ id: `${prefix}${i}`, prompt: `describe the ocean ${i % 2 ? 'today' : 'please'}` }),
      ).join('\n');
    fs.writeFileSync(path.join(dir, 'train.jsonl'), lines(16, 't'));
    fs.writeFileSync(path.join(dir, 'eval.jsonl'), lines(8, 'e'));
    const data = {
      kind: 'jsonl' as const,
      trainFile: 'data:jsonl/train.jsonl',
      evalFile: 'data:jsonl/eval.jsonl',
    };
    const ok = await run('jsonl-1', { rounds: 1, data });
    expect(ok.history[0]?.metrics.evalComparisons).toBe(8);
    expect(ok.history[0]?.metrics.responses).toBe(32);

    fs.writeFileSync(path.join(dir, 'bad.jsonl'), `${lines(3, 'b')}\n{"id": "b1", "prompt": "again"}`);
    const handle = await startRun(
      env.client,
      parseRunConfig(smallConfig({ data: { ...data, trainFile: 'data:jsonl/bad.jsonl' } })),
      {
        workflowId: 'jsonl-bad',
      },
    );
    const error = await handle.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const history = await handle.fetchHistory();
    const failed = (history.events ?? []).find((e) => e.activityTaskFailedEventAttributes);
    expect(failed?.activityTaskFailedEventAttributes?.failure?.message).toContain(
      `${path.join(dir, 'bad.jsonl')}:4: duplicate id (first on line 2)`,
    );
    // Non-retryable: one attempt, no retry loop.
    const started = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes);
    expect(started.map((e) => e.activityTaskStartedEventAttributes?.attempt)).toEqual([1]);
  }
});

test("every round reports the judge's agreement with a user's human labels", async () => {
  {
    const file = path.join(dataDir, 'human.jsonl');
    const pairs = [
      { prompt: 'describe the ocean', chosen: 'wave coral tide reef', rejected: 'the stuff okay very thing' },
      {
        prompt: 'tell me about the forest',
        chosen: 'pine moss fern owl',
        rejected: 'neon subway neon subway',
      },
      // A person who disagrees with the judge here:
      { prompt: 'describe the city', chosen: 'okay okay okay', rejected: 'street tower bridge neon' },
    ];
    fs.writeFileSync(file, pairs.map((p) => JSON.stringify(p)).join('\n'));
    const summary = await run('human-1', { rounds: 1, judge: { humanLabels: 'data:human.jsonl' } });
    const m = summary.history[0]!.metrics;
    expect(m.humanAgreementPairs).toBe(3);
    expect(m.humanAgreement).toBeCloseTo(2 / 3, 6);
    // The round's reward model is checked against the same people (the chosen response is "a").
    const rm = fs.readFileSync(env.store.pathOf('runs/human-1/round-0001/train-reward/reward-model.onnx'));
    const expected = await rewardModelAgreement(
      rm,
      pairs.map((p) => ({ prompt: p.prompt, a: p.chosen, b: p.rejected, verdict: 1 as const })),
      'test',
    );
    expect(m.rewardModelHumanAgreement).toBe(expected.value);
    expect([0, 1 / 3, 0.5, 2 / 3, 5 / 6, 1, 1 / 6]).toContainEqual(m.rewardModelHumanAgreement);
  }
});

test('a bad config is rejected before anything runs, naming the field', async () => {
  const handle = await env.client.workflow.start('rlaifRun', {
    taskQueue: env.taskQueue,
    workflowId: 'bad-1',
    args: [{ rounds: 0, judge: { positionBias: 'left' }, colour: 'blue' }],
  });
  const error = await handle.result().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const message = String((error as WorkflowFailedError).cause?.message);
  expect(message).toContain('rounds');
  expect(message).toContain('judge.positionBias');
  expect(message).toContain('unknown field "colour"');
  const keys = [...(await commitCounts(env.store)).keys()];
  expect(keys.some((k) => k.startsWith('runs/bad-1/'))).toBe(false);
});
