/**
 * `rlaifRun(config)`: the durable RLAIF loop. It validates the config, prepares data and the
 * initial policy, then runs one child workflow per round, saving a checkpoint after each. It
 * continues-as-new when Temporal suggests it, so even a run of thousands of rounds keeps a
 * small history. Queries and updates let a person watch, pause, resume and stop it.
 */
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  ContinueAsNew,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { RlaifActivities } from '../activities';
import { ConfigError } from '../src/config/errors';
import type * as ConfigParse from '../src/config/parse';
import type { RunConfig } from '../src/config/schema';
import { addSpend, NO_SPEND, overBudget, spendOf, type Budget } from '../src/budget';
import type { RunCheckpoint, RoundResult } from '../src/contracts';
import { runKeyFor } from '../src/store/artifact';
import {
  budgetSignal,
  pauseUpdate,
  progressQuery,
  raiseBudgetUpdate,
  resumeUpdate,
  RLAIF_CONFIG,
  RLAIF_ROUND,
  RLAIF_STAGE,
  RLAIF_STATUS,
  setPausedSignal,
  stageProgressSignal,
  stopAfterRoundUpdate,
  type RunProgress,
  type StageProgress,
} from './definitions';
import { rlaifRound } from './round';
import { advanceStage } from './stage-status';
import { bookkeepingOptions } from './stage-options';

/** What a run returns: its figures after the last round. */
export interface RunSummary {
  workflowId: string;
  runKey: string;
  status: 'completed' | 'stopped';
  rounds: number;
  winRateVsInitial?: number;
  winRateCI?: [number, number];
  rewardModelAgreement?: number;
  meanReward?: number;
  klToInitial?: number;
  history: RunCheckpoint['history'];
}

/** State carried across continue-as-new (never set by users). */
export interface CarriedState {
  paused: boolean;
  stopAfterRound: boolean;
  /** The budget as last raised by an update. */
  budget?: Budget;
}

/** Patch id: a round's checkpoint is written while the next round starts. */
const CHECKPOINT_BESIDE_NEXT_ROUND = 'checkpoint-beside-next-round';

function validate(raw: unknown): RunConfig {
  // Loaded on first use, not at import: every workflow execution evaluates the bundle's modules
  // afresh, and building the config schema (zod) cost each round's child ~20 ms of its first
  // workflow task although a round never parses a config.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parseRunConfig } = require('../src/config/parse') as typeof ConfigParse;
  try {
    return parseRunConfig(raw, 'workflow input');
  } catch (err) {
    if (err instanceof ConfigError) throw ApplicationFailure.nonRetryable(err.message, 'ConfigError');
    throw err;
  }
}

export async function rlaifRun(rawConfig: unknown, carried?: CarriedState): Promise<RunSummary> {
  const config = validate(rawConfig);
  try {
    return await runRounds(config, rawConfig, carried);
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    // Let `temporal workflow list --query 'RlaifStatus="failed"'` find it; the error is rethrown.
    upsertSearchAttributes([{ key: RLAIF_STATUS, value: 'failed' }]);
    throw err;
  }
}

async function runRounds(config: RunConfig, rawConfig: unknown, carried?: CarriedState): Promise<RunSummary> {
  const info = workflowInfo();
  const runKey = config.runKey ?? runKeyFor(info.workflowId);
  const acts = proxyActivities<RlaifActivities>(bookkeepingOptions(config, 'bookkeeping'));

  const progress: RunProgress = {
    status: 'starting',
    runKey,
    round: 0,
    rounds: config.rounds,
    stage: 'prepare',
    batchesDone: 0,
    batchesTotal: 0,
    history: [],
    stages: [],
    paused: carried?.paused ?? false,
    stopAfterRound: carried?.stopAfterRound ?? false,
    spend: NO_SPEND,
    ...((carried?.budget ?? config.budget) ? { budget: carried?.budget ?? config.budget } : {}),
  };
  /** Spend of the completed rounds; the running round's is added as it reports. */
  let spentBeforeRound = NO_SPEND;
  let child: ChildWorkflowHandle<typeof rlaifRound> | undefined;
  /** The last round's checkpoint, while it is being written. */
  let checkpointSaving: Promise<unknown> = Promise.resolve();

  const show = () => {
    const latest = progress.latest;
    const win = latest?.winRateVsInitial;
    const batches =
      progress.batchesTotal > 0 && progress.stage !== 'done'
        ? ` · batch ${progress.batchesDone} of ${progress.batchesTotal} done`
        : '';
    // The UI renders this as markdown in a frame about four lines high: hard line breaks (two
    // spaces) rather than paragraphs, and "2 of 3" because its renderer turns "2/3" into a fraction.
    setCurrentDetails(
      [
        `**${config.name}** · ${progress.status}${progress.paused ? ' (paused)' : ''}`,
        `round ${progress.round} of ${config.rounds} · stage ${progress.stage}${batches}`,
        win !== undefined ? `last win rate vs initial: ${win.toFixed(3)}` : '',
      ]
        .filter(Boolean)
        .join('  \n'),
    );
  };
  const setStatus = (status: RunProgress['status']) => {
    progress.status = status;
    upsertSearchAttributes([
      { key: RLAIF_STATUS, value: status },
      { key: RLAIF_ROUND, value: progress.round },
      { key: RLAIF_STAGE, value: progress.stage },
    ]);
    show();
  };

  setHandler(progressQuery, () => progress);
  const applyStageProgress = (p: StageProgress) => {
    if (p.round !== progress.round) return;
    const stageChanged = p.stage !== progress.stage;
    progress.stage = p.stage;
    progress.batchesDone = p.batchesDone;
    progress.batchesTotal = p.batchesTotal;
    const known = progress.stages.find((st) => st.stage === p.stage);
    const entry = advanceStage(known, p, Date.now());
    if (!known) progress.stages.push(entry);
    progress.batchesDone = entry.batchesDone;
    if (p.roundSpend) progress.spend = addSpend(spentBeforeRound, p.roundSpend);
    if (p.waitingForBudget) setStatus('budget-exhausted');
    if (stageChanged) upsertSearchAttributes([{ key: RLAIF_STAGE, value: p.stage }]);
    show();
  };
  setHandler(stageProgressSignal, (update) => {
    for (const p of Array.isArray(update) ? update : [update]) applyStageProgress(p);
  });
  const forwardPause = async () => {
    if (child) await child.signal(setPausedSignal, progress.paused).catch(() => undefined);
  };
  setHandler(pauseUpdate, async () => {
    progress.paused = true;
    await forwardPause();
    setStatus('paused');
    return progress;
  });
  setHandler(resumeUpdate, async () => {
    progress.paused = false;
    await forwardPause();
    setStatus(progress.stopAfterRound ? 'stopping' : 'running');
    return progress;
  });
  setHandler(stopAfterRoundUpdate, async () => {
    progress.stopAfterRound = true;
    // A round waiting for budget cannot finish without spending: it is abandoned instead.
    if (child && progress.status === 'budget-exhausted') {
      await child.signal(budgetSignal, { abandon: true }).catch(() => undefined);
    }
    setStatus('stopping');
    return progress;
  });
  setHandler(raiseBudgetUpdate, async (budget) => {
    progress.budget = budget;
    if (child) await child.signal(budgetSignal, { budget }).catch(() => undefined);
    if (progress.status === 'budget-exhausted' && !overBudget(progress.spend, budget)) setStatus('running');
    return progress;
  });

  upsertSearchAttributes([{ key: RLAIF_CONFIG, value: config.name }]);
  setStatus('running');

  const prepared = await acts['rlaif.prepare'].executeWithOptions(
    bookkeepingOptions(config, 'prepare data and initial policy'),
    [{ runKey, config }],
  );
  const checkpoint = await acts['rlaif.loadCheckpoint'].executeWithOptions(
    bookkeepingOptions(config, 'load the last checkpoint, if any'),
    [{ runKey }],
  );
  let state: RunCheckpoint = checkpoint ?? { runKey, round: 0, policy: prepared.initialPolicy, history: [] };
  progress.history = state.history;
  spentBeforeRound = state.history.reduce((sum, h) => addSpend(sum, spendOf(h.metrics)), NO_SPEND);
  progress.spend = spentBeforeRound;
  progress.round = state.round;
  progress.latest = state.history[state.history.length - 1]?.metrics;
  if (checkpoint) log.info('resuming from checkpoint', { runKey, round: checkpoint.round });

  while (state.round < config.rounds && !progress.stopAfterRound) {
    const round = state.round + 1;
    progress.round = round;
    progress.stage = 'waiting';
    progress.batchesDone = 0;
    progress.batchesTotal = 0;
    progress.stages = [];
    if (progress.paused) setStatus('paused');
    await condition(() => !progress.paused || progress.stopAfterRound);
    if (progress.stopAfterRound) break;
    if (overBudget(progress.spend, progress.budget)) {
      setStatus('budget-exhausted');
      await condition(() => !overBudget(progress.spend, progress.budget) || progress.stopAfterRound);
      if (progress.stopAfterRound) break;
    }
    setStatus('running');

    child = await startChild(rlaifRound, {
      workflowId: `${info.workflowId}-round-${round}`,
      staticSummary: `${config.name}: round ${round} of ${config.rounds}`,
      args: [
        {
          runKey,
          round,
          config: progress.budget ? { ...config, budget: progress.budget } : config,
          parentWorkflowId: info.workflowId,
          spentBefore: spentBeforeRound,
          board: {
            trainPrompts: prepared.trainPrompts,
            evalPrompts: prepared.evalPrompts,
            initialPolicy: prepared.initialPolicy,
            policy: state.policy,
            ...(state.preferencePool ? { preferencePool: state.preferencePool } : {}),
          },
        },
      ],
    });
    if (progress.paused) await forwardPause();
    let result: RoundResult;
    try {
      result = await child.result();
    } catch (err) {
      // A failed round must not lose the checkpoint of the round before it: a resume starts there.
      await checkpointSaving.catch(() => undefined);
      throw err;
    }
    await checkpointSaving;
    child = undefined;
    // How the round's stages ended (the last ones were not signalled: the result says it).
    if (result.stages) progress.stages = result.stages;
    if (result.abandoned) break;

    state = {
      runKey,
      round,
      policy: result.policy,
      ...((result.preferencePool ?? state.preferencePool)
        ? { preferencePool: result.preferencePool ?? state.preferencePool }
        : {}),
      history: [...state.history, { round, metrics: result.metrics }],
    };
    const checkpoint = state;
    const save = () =>
      acts['rlaif.saveCheckpoint'].executeWithOptions(
        bookkeepingOptions(config, `checkpoint after round ${round}`),
        [checkpoint],
      );
    // The next round starts while this round's checkpoint is written, in the same workflow task:
    // a round reads only what the run passes it, and the checkpoint is awaited before the next
    // round's result is used (and before continuing as new or returning). Runs recorded before
    // this waited for it first (patched). The progress query lists a round as finished once its
    // checkpoint is saved, as before.
    const finished = () => {
      progress.history = checkpoint.history;
      progress.latest = result.metrics;
      show();
    };
    if (patched(CHECKPOINT_BESIDE_NEXT_ROUND)) {
      // Not cancellable: a run cancelled as the next round starts still keeps this round's checkpoint.
      const saved = CancellationScope.nonCancellable(save);
      checkpointSaving = saved.then(finished);
      checkpointSaving.catch(() => undefined); // awaited below; must not count as unhandled meanwhile
    } else {
      await save();
      finished();
    }
    spentBeforeRound = addSpend(spentBeforeRound, spendOf(result.metrics));
    progress.spend = spentBeforeRound;

    const every = config.continueAsNewEvery;
    const due = workflowInfo().continueAsNewSuggested || (every !== undefined && round % every === 0);
    if (due && state.round < config.rounds && !progress.stopAfterRound) {
      // The checkpoint holds everything; the next execution reloads it.
      await checkpointSaving;
      await continueAsNew<typeof rlaifRun>(rawConfig, {
        paused: progress.paused,
        stopAfterRound: progress.stopAfterRound,
      });
    }
  }

  await checkpointSaving;
  const stopped = state.round < config.rounds;
  progress.stage = 'done';
  setStatus(stopped ? 'stopped' : 'completed');
  const last = state.history[state.history.length - 1]?.metrics ?? {};
  const summary: RunSummary = {
    workflowId: info.workflowId,
    runKey,
    status: stopped ? 'stopped' : 'completed',
    rounds: state.round,
    history: state.history,
  };
  if (last.winRateVsInitial !== undefined) summary.winRateVsInitial = last.winRateVsInitial;
  if (last.winRateLow !== undefined && last.winRateHigh !== undefined)
    summary.winRateCI = [last.winRateLow, last.winRateHigh];
  if (last.rewardModelAgreement !== undefined) summary.rewardModelAgreement = last.rewardModelAgreement;
  if (last.meanReward !== undefined) summary.meanReward = last.meanReward;
  if (last.klToInitial !== undefined) summary.klToInitial = last.klToInitial;
  return summary;
}
