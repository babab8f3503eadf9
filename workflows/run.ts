/**
 * `rlaifRun(config)`: the durable RLAIF loop. It validates the config, prepares data and the
 * initial policy, then runs one child workflow per round, saving a checkpoint after each. It
 * continues-as-new when Temporal suggests it, so even a run of thousands of rounds keeps a
 * small history. Queries and updates let a person watch, pause, resume and stop it.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
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
import type { RunConfig, StageSpec } from '../src/config/schema';
import { expandStages } from '../src/config/stages';
import {
  addSpend,
  NO_SPEND,
  overBudget,
  parseBudgetRaise,
  spendOf,
  type Budget,
  type Spend,
} from '../src/budget';
import type { RunCheckpoint, RoundResult } from '../src/contracts';
import { runKeyFor } from '../src/store/artifact';
import {
  budgetSignal,
  pauseUpdate,
  progressQuery,
  raiseBudgetUpdate,
  resumeUpdate,
  unpauseUpdate,
  RLAIF_CONFIG,
  RLAIF_ROUND,
  RLAIF_STAGE,
  RLAIF_STATUS,
  setPausedSignal,
  stageProgressSignal,
  stopAfterRoundUpdate,
  type RunFailure,
  type RunProgress,
  type StageProgress,
} from './definitions';
import { rlaifRound } from './round';
import { advanceStage, stageOfActivity } from './stage-status';
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

/**
 * State carried across continue-as-new (never set by users): what updates changed. Everything
 * else is in the checkpoint, which the next execution reloads.
 */
export interface CarriedState {
  paused: boolean;
  stopAfterRound: boolean;
  /** The budget as it stands, raises included. */
  budget?: Budget;
}

/** Patch id: a round's checkpoint is written while the next round starts. */
const CHECKPOINT_BESIDE_NEXT_ROUND = 'checkpoint-beside-next-round';

/** Patch id: the run waits for its update handlers to finish before it continues as new or returns. */
const WAIT_FOR_HANDLERS = 'wait-for-handlers';

/** Patch id: raiseBudget keeps the caps it does not name (it replaced the whole budget). */
const RAISE_KEEPS_CAPS = 'raise-budget-keeps-caps';

/** Patch id: a run whose config does not parse is tagged RlaifStatus="failed" (it had no status). */
const CONFIG_FAILURE_STATUS = 'config-failure-status';

/** The run's own activities, and the stage a failure of theirs is told under. */
const RUN_ACTIVITY_STAGE: Readonly<Record<string, string>> = {
  'rlaif.prepare': 'prepare',
  'rlaif.loadCheckpoint': 'prepare',
  'rlaif.saveCheckpoint': 'checkpoint',
};

function validate(raw: unknown): RunConfig {
  // Loaded on first use, not at import: every workflow execution evaluates the bundle's modules
  // afresh, and building the config schema (zod) cost each round's child ~20 ms of its first
  // workflow task although a round never parses a config.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parseRunConfig } = require('../src/config/parse') as typeof ConfigParse;
  try {
    return parseRunConfig(raw, 'workflow input');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    refuseConfig(err.message);
    throw ApplicationFailure.nonRetryable(err.message, 'ConfigError');
  }
}

/** A run whose config does not parse still answers `progress`, saying why, and is listed as failed. */
function refuseConfig(message: string): void {
  const failure: RunFailure = { round: 0, stage: 'config', message, type: 'ConfigError' };
  const progress: RunProgress = {
    status: 'failed',
    runKey: runKeyFor(workflowInfo().workflowId),
    round: 0,
    rounds: 0,
    stage: 'config',
    batchesDone: 0,
    batchesTotal: 0,
    history: [],
    stages: [],
    paused: false,
    stopAfterRound: false,
    spend: NO_SPEND,
    failure,
  };
  setHandler(progressQuery, () => progress);
  setCurrentDetails(`**invalid run config** · failed  \n${message.slice(0, 300)}`);
  if (patched(CONFIG_FAILURE_STATUS)) upsertSearchAttributes([{ key: RLAIF_STATUS, value: 'failed' }]);
}

/**
 * Where and why a run failed, from the error it ends with: the innermost message (the one naming
 * the field, endpoint or file) and the activity that failed, which names the stage.
 */
function failureOf(err: unknown, progress: RunProgress, stages: readonly StageSpec[]): RunFailure {
  let message = String(err);
  let activity: string | undefined;
  let type: string | undefined;
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    message = e.message;
    if (e instanceof ActivityFailure) activity ??= e.activityType;
    if (e instanceof ApplicationFailure && e.type) type = e.type;
  }
  // A checkpoint is written while the next round runs: the one that failed follows the last saved.
  const round = activity === 'rlaif.saveCheckpoint' ? (progress.checkpointRound ?? 0) + 1 : progress.round;
  const stage =
    (activity && (RUN_ACTIVITY_STAGE[activity] ?? stageOfActivity(stages, activity))) || progress.stage;
  return { round, stage, message, ...(activity ? { activity } : {}), ...(type ? { type } : {}) };
}

/**
 * A run's progress as the `progress` query, the search attributes and the UI's current details
 * show it. Update handlers and the main loop both change it; each change is made whole before an
 * await, so neither sees a half-made state.
 */
class RunView {
  readonly progress: RunProgress;

  constructor(
    private readonly config: RunConfig,
    runKey: string,
    carried: CarriedState | undefined,
  ) {
    const budget = carried?.budget ?? config.budget;
    this.progress = {
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
      ...(budget ? { budget } : {}),
    };
    setHandler(progressQuery, () => this.progress);
  }

  show(): void {
    const { progress, config } = this;
    const win = progress.latest?.winRateVsInitial;
    const failure = progress.failure;
    const batches =
      progress.batchesTotal > 0 && progress.stage !== 'done'
        ? ` · batch ${progress.batchesDone} of ${progress.batchesTotal} done`
        : '';
    // A running round shows its stages in its own details: the run says where to look.
    const where =
      progress.stage === 'round' && progress.roundWorkflowId
        ? `stages in ${progress.roundWorkflowId}`
        : `stage ${progress.stage}${batches}`;
    // The UI renders this as markdown in a frame about four lines high: hard line breaks (two
    // spaces) rather than paragraphs, and "2 of 3" because its renderer turns "2/3" into a fraction.
    setCurrentDetails(
      [
        `**${config.name}** · ${progress.status}${progress.paused ? ' (paused)' : ''}`,
        `round ${progress.round} of ${config.rounds} · ${where}`,
        win !== undefined ? `last win rate vs initial: ${win.toFixed(3)}` : '',
        failure
          ? `failed in round ${failure.round} · ${failure.stage}: ${failure.message.slice(0, 200)}`
          : '',
      ]
        .filter(Boolean)
        .join('  \n'),
    );
  }

  setStatus(status: RunProgress['status']): void {
    this.progress.status = status;
    upsertSearchAttributes([
      { key: RLAIF_STATUS, value: status },
      { key: RLAIF_ROUND, value: this.progress.round },
      { key: RLAIF_STAGE, value: this.progress.stage },
    ]);
    this.show();
  }

  /** The status of a run going on: a resumed run may still be stopping or waiting for budget. */
  goingOnStatus(): RunProgress['status'] {
    if (this.progress.stopAfterRound) return 'stopping';
    return overBudget(this.progress.spend, this.progress.budget) ? 'budget-exhausted' : 'running';
  }

  /**
   * Ends the view of a run that threw: cancelled when the run was cancelled (the workflow then
   * ends as cancelled too), else failed, naming where and why. Only the status is upserted, as
   * before; `RlaifStatus="failed"` finds failed runs, `"cancelled"` cancelled ones.
   */
  ended(err: unknown): void {
    const cancelled = isCancellation(err) && CancellationScope.current().consideredCancelled;
    this.progress.status = cancelled ? 'cancelled' : 'failed';
    if (!cancelled) this.progress.failure = failureOf(err, this.progress, expandStages(this.config));
    upsertSearchAttributes([{ key: RLAIF_STATUS, value: this.progress.status }]);
    this.show();
  }
}

/** The run workflow; `carried` is set only by its own continue-as-new. */
export async function rlaifRun(rawConfig: unknown, carried?: CarriedState): Promise<RunSummary> {
  const config = validate(rawConfig);
  const view = new RunView(config, config.runKey ?? runKeyFor(workflowInfo().workflowId), carried);
  try {
    return await runRounds(config, rawConfig, view);
  } catch (err) {
    if (!(err instanceof ContinueAsNew)) view.ended(err);
    throw err;
  }
}

/** What continues as new with the run: what its updates changed. */
function carriedState(progress: RunProgress): CarriedState {
  return {
    paused: progress.paused,
    stopAfterRound: progress.stopAfterRound,
    ...(progress.budget ? { budget: progress.budget } : {}),
  };
}

/** What the run's message handlers share with its loop. */
interface Live {
  /** The running round. */
  child?: ChildWorkflowHandle<typeof rlaifRound>;
  /** Spend of the completed rounds; the running round's is added as it reports. */
  spentBeforeRound: Spend;
}

/** Tells the running round whether the run is paused (best effort: a round that ended is gone). */
async function forwardPause(live: Live, paused: boolean): Promise<void> {
  if (live.child) await live.child.signal(setPausedSignal, paused).catch(() => undefined);
}

/** A round's report of its stage, in the run's view. */
function applyStageProgress(view: RunView, live: Live, p: StageProgress): void {
  const { progress } = view;
  if (p.round !== progress.round) return;
  if (p.budgetOnly) {
    // A round of this release tells its run only that it waits for budget: its stages are its own
    // query's, and a stage set here would stay behind, stale, once the budget is raised.
    if (p.roundSpend) progress.spend = addSpend(live.spentBeforeRound, p.roundSpend);
    if (p.waitingForBudget) view.setStatus('budget-exhausted');
    return;
  }
  const stageChanged = p.stage !== progress.stage;
  progress.stage = p.stage;
  progress.batchesTotal = p.batchesTotal;
  const known = progress.stages.find((st) => st.stage === p.stage);
  const entry = advanceStage(known, p, Date.now());
  if (!known) progress.stages.push(entry);
  progress.batchesDone = entry.batchesDone;
  if (p.roundSpend) progress.spend = addSpend(live.spentBeforeRound, p.roundSpend);
  if (p.waitingForBudget) view.setStatus('budget-exhausted');
  if (stageChanged) upsertSearchAttributes([{ key: RLAIF_STAGE, value: p.stage }]);
  view.show();
}

/**
 * The run's signal and update handlers. Updates answer with the progress they leave; pause,
 * resume and stopAfterRound take no arguments and ignore any they are sent.
 */
function setMessageHandlers(view: RunView, live: Live): void {
  const { progress } = view;
  setHandler(stageProgressSignal, (update) => {
    for (const p of Array.isArray(update) ? update : [update]) applyStageProgress(view, live, p);
  });
  setHandler(pauseUpdate, async () => {
    progress.paused = true;
    await forwardPause(live, progress.paused);
    view.setStatus('paused');
    return progress;
  });
  const unpause = async () => {
    progress.paused = false;
    await forwardPause(live, progress.paused);
    view.setStatus(view.goingOnStatus());
    return progress;
  };
  setHandler(unpauseUpdate, unpause);
  // The old name, for clients of earlier releases (and their scripts); the same handler.
  setHandler(resumeUpdate, unpause);
  setHandler(stopAfterRoundUpdate, async () => {
    progress.stopAfterRound = true;
    // A round waiting for budget cannot finish without spending: it is abandoned instead.
    if (live.child && progress.status === 'budget-exhausted') {
      await live.child.signal(budgetSignal, { abandon: true }).catch(() => undefined);
    }
    view.setStatus('stopping');
    return progress;
  });
  setHandler(
    raiseBudgetUpdate,
    async (raise) => {
      // A raise names the caps it changes and keeps the others: raising tokens must not drop a
      // cost cap. Runs recorded before replaced the whole budget (patched).
      const budget = patched(RAISE_KEEPS_CAPS) ? { ...progress.budget, ...raise } : raise;
      progress.budget = budget;
      if (live.child) await live.child.signal(budgetSignal, { budget }).catch(() => undefined);
      if (progress.status === 'budget-exhausted' && !overBudget(progress.spend, budget))
        view.setStatus('running');
      return progress;
    },
    // Bad caps are rejected before the update is accepted: it never reaches history, and the
    // run's state is untouched.
    { validator: (raise) => void parseBudgetRaise(raise) },
  );
}

/** What a finished run returns. */
function summaryOf(runKey: string, state: RunCheckpoint, status: RunSummary['status']): RunSummary {
  const last = state.history[state.history.length - 1]?.metrics ?? {};
  const summary: RunSummary = {
    workflowId: workflowInfo().workflowId,
    runKey,
    status,
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

/** Prepares, then runs the rounds left, one child each, until done, stopped or due to continue as new. */
async function runRounds(config: RunConfig, rawConfig: unknown, view: RunView): Promise<RunSummary> {
  const info = workflowInfo();
  const { progress } = view;
  const runKey = progress.runKey;
  const acts = proxyActivities<RlaifActivities>(bookkeepingOptions(config, 'bookkeeping'));
  const live: Live = { spentBeforeRound: NO_SPEND };
  /** The last round's checkpoint, while it is being written. */
  let checkpointSaving: Promise<unknown> = Promise.resolve();
  setMessageHandlers(view, live);

  upsertSearchAttributes([{ key: RLAIF_CONFIG, value: config.name }]);
  view.setStatus('running');

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
  live.spentBeforeRound = state.history.reduce((sum, h) => addSpend(sum, spendOf(h.metrics)), NO_SPEND);
  progress.spend = live.spentBeforeRound;
  progress.round = state.round;
  progress.checkpointRound = state.round;
  progress.latest = state.history[state.history.length - 1]?.metrics;
  if (checkpoint) log.info('resuming from checkpoint', { runKey, round: checkpoint.round });

  while (state.round < config.rounds && !progress.stopAfterRound) {
    const round = state.round + 1;
    progress.round = round;
    progress.stage = 'waiting';
    progress.batchesDone = 0;
    progress.batchesTotal = 0;
    progress.stages = [];
    if (progress.paused) view.setStatus('paused');
    await condition(() => !progress.paused || progress.stopAfterRound);
    if (progress.stopAfterRound) break;
    if (overBudget(progress.spend, progress.budget)) {
      view.setStatus('budget-exhausted');
      await condition(() => !overBudget(progress.spend, progress.budget) || progress.stopAfterRound);
      if (progress.stopAfterRound) break;
    }
    const roundWorkflowId = `${info.workflowId}-round-${round}`;
    // The run's own view says a round runs, not which stage: the round knows that (its query and
    // its details), and the run hears of it only when the round ends.
    progress.stage = 'round';
    progress.roundWorkflowId = roundWorkflowId;
    view.setStatus('running');

    const child = await startChild(rlaifRound, {
      workflowId: roundWorkflowId,
      staticSummary: `${config.name}: round ${round} of ${config.rounds}`,
      args: [
        {
          runKey,
          round,
          config: progress.budget ? { ...config, budget: progress.budget } : config,
          ...(prepared.configRef ? { configRef: prepared.configRef } : {}),
          parentWorkflowId: info.workflowId,
          spentBefore: live.spentBeforeRound,
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
    live.child = child;
    if (progress.paused) await forwardPause(live, progress.paused);
    let result: RoundResult;
    try {
      result = await child.result();
    } catch (err) {
      // A failed round must not lose the checkpoint of the round before it: a resume starts there.
      await checkpointSaving.catch(() => undefined);
      throw err;
    }
    await checkpointSaving;
    live.child = undefined;
    delete progress.roundWorkflowId;
    // How the round's stages ended (the last ones were not signalled: the result says it).
    if (result.stages) progress.stages = result.stages;
    if (result.abandoned) break;
    progress.lastRound = { round, stages: progress.stages };

    state = {
      runKey,
      round,
      policy: result.policy,
      ...((result.preferencePool ?? state.preferencePool)
        ? { preferencePool: result.preferencePool ?? state.preferencePool }
        : {}),
      history: [...state.history, { round, metrics: result.metrics }],
    };
    // The round's figures are shown as soon as it ends, before the next round starts, so progress
    // never shows round N+1 running without round N's figures.
    progress.history = state.history;
    progress.latest = result.metrics;
    view.show();
    const checkpoint = state;
    const save = () =>
      acts['rlaif.saveCheckpoint'].executeWithOptions(
        bookkeepingOptions(config, `checkpoint after round ${round}`),
        [checkpoint],
      );
    // The next round starts while this round's checkpoint is written, in the same workflow task:
    // a round reads only what the run passes it, and the checkpoint is awaited before the next
    // round's result is used (and before continuing as new or returning). Runs recorded before
    // this waited for it first (patched).
    const finished = () => {
      progress.checkpointRound = checkpoint.round;
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
    live.spentBeforeRound = addSpend(live.spentBeforeRound, spendOf(result.metrics));
    progress.spend = live.spentBeforeRound;

    const every = config.continueAsNewEvery;
    const due = workflowInfo().continueAsNewSuggested || (every !== undefined && round % every === 0);
    if (due && state.round < config.rounds && !progress.stopAfterRound) {
      // The checkpoint holds the rounds; what updates changed goes with the run. Updates still
      // being handled finish first, so none is lost with this execution.
      await checkpointSaving;
      if (patched(WAIT_FOR_HANDLERS)) await condition(allHandlersFinished);
      await continueAsNew<typeof rlaifRun>(rawConfig, carriedState(progress));
    }
  }

  await checkpointSaving;
  // An update being handled finishes before the run does (its caller gets its answer) and cannot
  // change the status the run ends with. Runs recorded before returned at once (patched).
  if (patched(WAIT_FOR_HANDLERS)) await condition(allHandlersFinished);
  const status = state.round < config.rounds ? 'stopped' : 'completed';
  // The final state: the last round run (not one the loop was about to start), its stages as they
  // ended, and no stage in progress.
  progress.round = state.round;
  progress.stage = 'done';
  progress.stages = progress.lastRound?.stages ?? [];
  const lastStage = progress.stages[progress.stages.length - 1];
  progress.batchesTotal = lastStage?.batchesTotal ?? 0;
  progress.batchesDone = progress.batchesTotal;
  view.setStatus(status);
  return summaryOf(runKey, state, status);
}
