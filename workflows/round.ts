/**
 * One round of the RLAIF loop as a child workflow: the config's stage DAG, with batched stages
 * fanned out as parallel activities under a concurrency bound. A child per round keeps every
 * execution's history bounded however many rounds the run has.
 */
import {
  condition,
  getExternalWorkflowHandle,
  patched,
  scheduleActivity,
  setCurrentDetails,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import { expandStages } from '../src/config/stages';
import type { StageSpec } from '../src/config/schema';
import type {
  ArtifactRef,
  Blackboard,
  RoundInput,
  RoundResult,
  StageInput,
  StageOutput,
  SubmittedJudgeBatch,
  JudgeBatchStatus,
  StageStatus,
} from '../src/contracts';
import { addSpend, NO_SPEND, overBudget, spendOf } from '../src/budget';
import {
  budgetSignal,
  roundProgressQuery,
  setPausedSignal,
  stageProgressSignal,
  type StageProgress,
} from './definitions';
import { stageActivityOptions } from './stage-options';
import { ACTIVITY_OF, advanceStage } from './stage-status';

/** Metrics that are counts (rows, tokens, requests, money) add up over batches; rates are averaged, weighted by rows. */
const SUMMED = new Set([
  'responses',
  'pairs',
  'scored',
  'deadLetters',
  'generateDeadLetters',
  'pairsByFallback',
  'judgeAnswersFromBatch',
  'judgeBatchMissing',
]);
const isSummed = (key: string) => SUMMED.has(key) || /(Tokens|Requests|Cost)$/.test(key);

/** Patch id: progress signals to the parent are sent without waiting for their delivery. */
const UNAWAITED_PROGRESS = 'unawaited-progress-signals';

/** Patch id: mid-stage progress signals to the run are sent at most every PROGRESS_EVERY_MS. */
const THROTTLED_PROGRESS = 'throttled-progress-signals';
const PROGRESS_EVERY_MS = 2000;

/** Patch id: progress signals to the run are paced to one per PROGRESS_EVERY_MS, for all reports. */
const PACED_PROGRESS = 'paced-progress-signals';

/** Patch id: embedded generation runs in one wave of at most `concurrency` batches. */
const ONE_WAVE = 'embedded-generation-one-wave';

/** How many batch activities a stage fans out to, given what the board holds. */
function batchCount(stage: StageSpec, input: RoundInput, board: Blackboard): number {
  const cfg = input.config;
  if (stage.type === 'generate') {
    // Batches of batchSize prompts, but never more than maxBatches: beyond that, batches grow
    // instead, so a round's history does not grow with the dataset.
    const wanted = Math.ceil(board.trainPrompts.count / cfg.generate.batchSize);
    const capped = Math.max(1, Math.min(wanted, cfg.generate.maxBatches ?? wanted));
    // Embedded batches resume row by row, so a larger batch loses nothing on a crash, while every
    // further wave of activities costs a round trip through the server: one wave for generation
    // and for the judging that follows it (batch per batch).
    if (!cfg.generate.endpoint && patched(ONE_WAVE)) return Math.min(capped, cfg.concurrency);
    return capped;
  }
  if (stage.type === 'judge' || stage.type === 'score') return Math.max(1, board.responses?.length ?? 1);
  return 0; // not batched
}

function mergeBatchOutputs(outputs: StageOutput[]): StageOutput {
  const artifacts: Partial<Blackboard> = {};
  const listKeys = ['responses', 'preferences', 'scores'] as const;
  for (const key of listKeys) {
    const refs = outputs.flatMap((o) => o.artifacts[key] ?? []);
    if (refs.length > 0) artifacts[key] = refs;
  }
  const weights = outputs.map((o) => {
    const refs: ArtifactRef[] = [
      ...(o.artifacts.responses ?? []),
      ...(o.artifacts.preferences ?? []),
      ...(o.artifacts.scores ?? []),
    ];
    return Math.max(
      1,
      refs.reduce((s, r) => s + r.count, 0),
    );
  });
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const metrics: Record<string, number> = {};
  outputs.forEach((o, i) => {
    for (const [k, v] of Object.entries(o.metrics)) {
      const w = isSummed(k) ? 1 : (weights[i] ?? 1) / totalWeight;
      metrics[k] = (metrics[k] ?? 0) + v * w;
    }
  });
  return { artifacts, metrics };
}

export async function rlaifRound(input: RoundInput): Promise<RoundResult> {
  const { config, round, runKey } = input;
  const stages = expandStages(config);
  const board: Blackboard = { ...input.board };
  const metrics: Record<string, number> = {};
  let paused = false;
  setHandler(setPausedSignal, (value) => {
    paused = value;
  });
  let budget = config.budget;
  let abandon = false;
  let abandoned = false;
  let roundSpend = NO_SPEND;
  setHandler(budgetSignal, (update) => {
    if (update.budget) budget = update.budget;
    if (update.abandon) abandon = true;
  });
  const spent = () => addSpend(input.spentBefore ?? NO_SPEND, roundSpend);

  const parent = input.parentWorkflowId ? getExternalWorkflowHandle(input.parentWorkflowId) : undefined;
  /** When each stage last signalled the run (workflow time, deterministic on replay). */
  const lastSignalAt = new Map<string, number>();
  /** Reports held back for the next signal to the run, the latest per stage, oldest first. */
  const held = new Map<string, StageProgress>();
  let lastSentAt = -Infinity;
  let flushScheduled = false;
  const sendHeld = () => {
    if (!parent || held.size === 0) return;
    const list = [...held.values()];
    held.clear();
    lastSentAt = Date.now();
    // Progress is best effort: a parent that has gone (terminated) must not fail the round.
    void parent.signal(stageProgressSignal, list).catch(() => undefined);
  };
  /** Every stage's status so far, returned with the round's result. */
  const statuses = new Map<string, StageStatus>();
  setHandler(roundProgressQuery, () => [...statuses.values()]);
  const report = async (p: StageProgress) => {
    statuses.set(p.stage, advanceStage(statuses.get(p.stage), p, Date.now()));
    setCurrentDetails(
      `**Round ${p.round} of ${config.rounds}** · stage **${p.stage}** · batch ${p.batchesDone} of ${p.batchesTotal} done`,
    );
    if (!parent) return;
    // Each signal costs the run one or two workflow tasks, and this round one more (the server
    // confirms the signal with an event). Reports go at most every PROGRESS_EVERY_MS of workflow
    // time, the latest per stage, with the workflow times the run needs for rates; a timer sends
    // what is held once the interval is over, the round's result says how its last stages ended,
    // and a wait for budget goes at once. A demo round sent ten signals; now it sends one.
    // Rounds recorded before this signalled every stage start and end (patched).
    if (patched(PACED_PROGRESS)) {
      held.delete(p.stage);
      held.set(p.stage, { ...p, at: Date.now(), startedAt: statuses.get(p.stage)?.startedAt ?? Date.now() });
      const wait = lastSentAt + PROGRESS_EVERY_MS - Date.now();
      if (p.waitingForBudget || wait <= 0) sendHeld();
      else if (!flushScheduled) {
        flushScheduled = true;
        // A cancelled round cancels the timer too: that is no failure of the round.
        void sleep(wait).then(
          () => {
            flushScheduled = false;
            sendHeld();
          },
          () => undefined,
        );
      }
      return;
    }
    // Batches finishing within a couple of seconds of the last report are shown by the next one
    // (a stage's start and end, spend and budget waits always go). Old histories signalled every
    // batch (patched).
    const midStage =
      p.batchesDone > 0 && p.batchesDone < p.batchesTotal && !p.roundSpend && !p.waitingForBudget;
    if (midStage && patched(THROTTLED_PROGRESS)) {
      if (Date.now() - (lastSignalAt.get(p.stage) ?? 0) < PROGRESS_EVERY_MS) return;
    }
    lastSignalAt.set(p.stage, Date.now());
    const sent = parent.signal(stageProgressSignal, p).catch(() => undefined);
    // Rounds recorded before this change waited for each signal; new ones do not hold a batch
    // lane for a round trip to the parent (patched keeps the old histories replaying).
    if (!patched(UNAWAITED_PROGRESS)) await sent;
  };

  const call = async (
    stage: StageSpec,
    batch: { index: number; count: number } | undefined,
  ): Promise<StageOutput> => {
    await condition(() => !paused);
    const name = stage.type === 'custom' ? (stage.activity as string) : ACTIVITY_OF[stage.type];
    const where = batch ? ` batch ${batch.index + 1}/${batch.count}` : '';
    const stageInput: StageInput & { method?: StageSpec['method'] } = {
      runKey,
      round,
      stageId: stage.id,
      config,
      board,
      ...(batch ? { batch } : {}),
      ...(stage.method ? { method: stage.method } : {}),
    };
    if (stage.type === 'judge' && config.judge.batchApi) {
      const batchJob = await viaBatchApi(stage, stageInput, where);
      if (batchJob) stageInput.batchJob = batchJob;
    }
    return scheduleActivity<StageOutput>(
      name,
      [stageInput],
      stageActivityOptions(config, stage, `round ${round} · ${stage.id}${where}`),
    );
  };

  /**
   * Submits a judge batch to the Batch API and waits for it on durable timers: no process is
   * held while the provider works, and a crash anywhere resumes the same batch (submission is
   * idempotent). Polls start at `pollSeconds` and back off to 15 minutes, so a day-long batch
   * adds about a hundred polls to history, not thousands.
   */
  const viaBatchApi = async (stage: StageSpec, stageInput: StageInput, where: string) => {
    const options = (summary: string) =>
      stageActivityOptions(config, stage, `round ${round} · ${stage.id}${where} · ${summary}`);
    const submitted = await scheduleActivity<SubmittedJudgeBatch>(
      'rlaif.judgeBatchSubmit',
      [stageInput],
      options('submit batch'),
    );
    if (!submitted.batchId) return undefined;
    let waitSeconds = config.judge.batchApi?.pollSeconds ?? 60;
    for (;;) {
      const status = await scheduleActivity<JudgeBatchStatus>(
        'rlaif.judgeBatchPoll',
        [{ config, batchId: submitted.batchId }],
        options('check batch'),
      );
      if (status.terminal) break;
      await sleep(`${waitSeconds} seconds`);
      waitSeconds = Math.min(waitSeconds * 2, 15 * 60);
    }
    return { batchId: submitted.batchId };
  };

  /** At the budget's cap, waits for a raise (true) or for the run to give up (false). */
  const waitForBudget = async (stage: StageSpec): Promise<boolean> => {
    if (!overBudget(spent(), budget)) return true;
    await report({
      round,
      stage: stage.id,
      batchesDone: 0,
      batchesTotal: 0,
      roundSpend,
      waitingForBudget: true,
    });
    await condition(() => abandon || !overBudget(spent(), budget));
    return !abandon;
  };

  const runStage = async (stage: StageSpec): Promise<void> => {
    if (abandoned || !(await waitForBudget(stage))) {
      abandoned = true;
      return;
    }
    const count = batchCount(stage, input, board);
    let output: StageOutput;
    if (count === 0) {
      await report({ round, stage: stage.id, batchesDone: 0, batchesTotal: 1 });
      output = await call(stage, undefined);
      await report({ round, stage: stage.id, batchesDone: 1, batchesTotal: 1 });
    } else {
      await report({ round, stage: stage.id, batchesDone: 0, batchesTotal: count });
      const outputs: StageOutput[] = new Array<StageOutput>(count);
      let next = 0;
      let done = 0;
      // A fixed number of lanes, each taking the next batch: at most `concurrency` in flight.
      const lane = async () => {
        while (next < count) {
          const index = next++;
          outputs[index] = await call(stage, { index, count });
          done++;
          await report({ round, stage: stage.id, batchesDone: done, batchesTotal: count });
        }
      };
      await Promise.all(Array.from({ length: Math.min(config.concurrency, count) }, lane));
      output = mergeBatchOutputs(outputs);
    }
    Object.assign(board, output.artifacts);
    Object.assign(metrics, output.metrics);
    const stageSpend = spendOf(output.metrics);
    if (stageSpend.tokens > 0 || stageSpend.cost > 0) {
      roundSpend = addSpend(roundSpend, stageSpend);
      await report({
        round,
        stage: stage.id,
        batchesDone: Math.max(count, 1),
        batchesTotal: Math.max(count, 1),
        roundSpend,
      });
    }
  };

  // Run the DAG: start every stage whose dependencies are done; independent stages overlap.
  const finished = new Set<string>();
  const started = new Set<string>();
  const running = new Map<string, Promise<string>>();
  while (finished.size < stages.length) {
    for (const stage of stages) {
      if (!started.has(stage.id) && stage.after.every((d) => finished.has(d))) {
        started.add(stage.id);
        running.set(
          stage.id,
          runStage(stage).then(() => stage.id),
        );
      }
    }
    const id = await Promise.race(running.values());
    running.delete(id);
    finished.add(id);
  }

  // The run learns how the round's last stages ended from its result, not from one more signal.
  const stageStatuses = [...statuses.values()];
  if (abandoned) return { round, abandoned: true, policy: board.policy, metrics, stages: stageStatuses };
  return {
    round,
    policy: board.newPolicy ?? board.policy,
    ...(board.preferencePool ? { preferencePool: board.preferencePool } : {}),
    metrics,
    stages: stageStatuses,
  };
}
