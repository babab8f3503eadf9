/**
 * `rlaifRun(config)`: the durable RLAIF loop. It validates the config, prepares data and the
 * initial policy, then runs one child workflow per round, saving a checkpoint after each. It
 * continues-as-new when Temporal suggests it, so even a run of thousands of rounds keeps a
 * small history. Queries and updates let a person watch, pause, resume and stop it: their
 * handlers delegate to the run's state (workflows/run-state.ts).
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  ContinueAsNew,
  continueAsNew,
  deprecatePatch,
  log,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityInterfaceFor,
} from '@temporalio/workflow';
import type { RlaifActivities } from '../activities';
import { ConfigError } from '../src/config/errors';
import type * as ConfigParse from '../src/config/parse';
import type { RunConfig } from '../src/config/schema';
import { parseBudgetRaise, spendOf } from '../src/budget';
import type { PreparedRun, RoundInput, RoundResult, RunCheckpoint } from '../src/contracts';
import { runKeyFor } from '../src/store/artifact';
import {
  pauseUpdate,
  raiseBudgetUpdate,
  resumeUpdate,
  roundStagesSignal,
  unpauseUpdate,
  RLAIF_CONFIG,
  stageProgressSignal,
  stopAfterRoundUpdate,
} from './definitions';
import { rlaifRound } from './round';
import { RunState } from './run-state';
import { RunView, showRefusedConfig, type CarriedState } from './run-view';
import { bookkeepingOptions } from './stage-options';

export type { CarriedState } from './run-view';

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
 * Patch id: a round's checkpoint is written while the next round starts. Deprecated: every
 * supported release's runs recorded its marker (docs/versioning.md).
 */
const CHECKPOINT_BESIDE_NEXT_ROUND = 'checkpoint-beside-next-round';

/** Patch id: the run waits for its update handlers to finish before it continues as new or returns. */
const WAIT_FOR_HANDLERS = 'wait-for-handlers';

/** What the steps of a run share: fixed for the execution. */
interface RunContext {
  readonly config: RunConfig;
  /** The input as given, passed on unchanged when the run continues as new. */
  readonly rawConfig: unknown;
  readonly run: RunState;
  readonly acts: ActivityInterfaceFor<RlaifActivities>;
}

function validate(raw: unknown): RunConfig {
  // Loaded on first use, not at import: every workflow execution evaluates the bundle's modules
  // afresh, and building the config schema (zod) would cost each round's child its first
  // workflow task's time although a round never parses a config.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parseRunConfig } = require('../src/config/parse') as typeof ConfigParse;
  try {
    return parseRunConfig(raw, 'workflow input');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    showRefusedConfig(err.message);
    throw ApplicationFailure.nonRetryable(err.message, 'ConfigError');
  }
}

/** The run workflow; `carried` is set only by its own continue-as-new. */
export async function rlaifRun(rawConfig: unknown, carried?: CarriedState): Promise<RunSummary> {
  const config = validate(rawConfig);
  const view = new RunView(config, config.runKey ?? runKeyFor(workflowInfo().workflowId), carried);
  try {
    const acts = proxyActivities<RlaifActivities>(bookkeepingOptions(config, 'bookkeeping'));
    return await runRounds({ config, rawConfig, run: new RunState(view), acts });
  } catch (err) {
    if (!(err instanceof ContinueAsNew)) view.ended(err);
    throw err;
  }
}

/**
 * The run's signal and update handlers, each a call on the run's state. Updates answer with the
 * progress they leave; pause, unpause and stopAfterRound take no arguments and ignore any sent.
 */
function setMessageHandlers(run: RunState): void {
  setHandler(stageProgressSignal, (update) => {
    for (const p of Array.isArray(update) ? update : [update]) run.stageReported(p);
  });
  setHandler(roundStagesSignal, ({ round, stages }) => run.roundAnswered(round, stages));
  setHandler(pauseUpdate, () => run.setPaused(true));
  const unpause = () => run.setPaused(false);
  setHandler(unpauseUpdate, unpause);
  // The old name, for clients of earlier releases (and their scripts); the same handler.
  setHandler(resumeUpdate, unpause);
  setHandler(stopAfterRoundUpdate, () => run.stopAfterRound());
  // Bad caps are rejected before the update is accepted: it never reaches history, and the run's
  // state is untouched.
  setHandler(raiseBudgetUpdate, (raise) => run.raiseBudget(raise), {
    validator: (raise) => void parseBudgetRaise(raise),
  });
}

/** Prepares, then runs the rounds left, one child each, until done, stopped or due to continue as new. */
async function runRounds(ctx: RunContext): Promise<RunSummary> {
  const { config, run } = ctx;
  setMessageHandlers(run);
  upsertSearchAttributes([{ key: RLAIF_CONFIG, value: config.name }]);
  run.view.setStatus('running');
  const prepared = await prepare(ctx);
  let state = await loadCheckpoint(ctx, prepared);
  while (state.round < config.rounds && !run.stopping) {
    const result = await runRound(ctx, prepared, state);
    if (!result) break;
    state = afterRound(state, result);
    run.roundEnded(state);
    saveCheckpoint(ctx, state, result);
    if (continueAsNewDue(ctx, state.round)) await continueAsNewNow(ctx);
  }
  return finish(ctx, state);
}

/** Prepares the run's data and initial policy (idempotent: a resumed run finds them prepared). */
function prepare({ config, run, acts }: RunContext): Promise<PreparedRun> {
  return acts['rlaif.prepare'].executeWithOptions(
    bookkeepingOptions(config, 'prepare data and initial policy'),
    [{ runKey: run.progress.runKey, config }],
  );
}

/** Where the run goes on from: its last checkpoint, or round 0 with the initial policy. */
async function loadCheckpoint(
  { config, run, acts }: RunContext,
  prepared: PreparedRun,
): Promise<RunCheckpoint> {
  const { runKey } = run.progress;
  const checkpoint = await acts['rlaif.loadCheckpoint'].executeWithOptions(
    bookkeepingOptions(config, 'load the last checkpoint, if any'),
    [{ runKey }],
  );
  const state = checkpoint ?? { runKey, round: 0, policy: prepared.initialPolicy, history: [] };
  run.loaded(state);
  if (checkpoint) log.info('resuming from checkpoint', { runKey, round: checkpoint.round });
  return state;
}

/**
 * Runs the round after `state` as a child workflow, once the run is neither paused nor at its
 * budget's cap. Undefined when the run stops instead, or the round was abandoned (stopping while
 * it waited for budget).
 */
async function runRound(
  ctx: RunContext,
  prepared: PreparedRun,
  state: RunCheckpoint,
): Promise<RoundResult | undefined> {
  const { config, run } = ctx;
  const round = state.round + 1;
  if (!(await run.mayStart(round))) return undefined;
  const roundWorkflowId = `${workflowInfo().workflowId}-round-${round}`;
  run.roundStarting(roundWorkflowId);
  const child = await startChild(rlaifRound, {
    workflowId: roundWorkflowId,
    staticSummary: `${config.name}: round ${round} of ${config.rounds}`,
    args: [roundInput(ctx, prepared, state)],
  });
  await run.roundStarted(child);
  const result = await run.roundResult(child);
  return result.abandoned ? undefined : result;
}

/** What the round after `state` starts with: the run's data, its policy, the budget as it stands. */
function roundInput({ config, run }: RunContext, prepared: PreparedRun, state: RunCheckpoint): RoundInput {
  const { spentBefore, budget } = run.roundBudget();
  return {
    runKey: run.progress.runKey,
    round: state.round + 1,
    config: budget ? { ...config, budget } : config,
    ...(prepared.configRef ? { configRef: prepared.configRef } : {}),
    parentWorkflowId: workflowInfo().workflowId,
    spentBefore,
    board: {
      trainPrompts: prepared.trainPrompts,
      evalPrompts: prepared.evalPrompts,
      initialPolicy: prepared.initialPolicy,
      policy: state.policy,
      ...(state.preferencePool ? { preferencePool: state.preferencePool } : {}),
    },
  };
}

/** The checkpoint after a round: its policy, its preference pool (or the last one), its figures. */
function afterRound(state: RunCheckpoint, result: RoundResult): RunCheckpoint {
  const round = state.round + 1;
  const preferencePool = result.preferencePool ?? state.preferencePool;
  return {
    runKey: state.runKey,
    round,
    policy: result.policy,
    ...(preferencePool ? { preferencePool } : {}),
    history: [...state.history, { round, metrics: result.metrics }],
  };
}

/**
 * Starts writing the round's checkpoint. The next round starts while it is written, in the same
 * workflow task: a round reads only what the run passes it, and the checkpoint is awaited before
 * the next round's result is used (and before continuing as new or returning).
 */
function saveCheckpoint({ config, run, acts }: RunContext, state: RunCheckpoint, result: RoundResult): void {
  deprecatePatch(CHECKPOINT_BESIDE_NEXT_ROUND);
  // Not cancellable: a run cancelled as the next round starts still keeps this round's checkpoint.
  const saved = CancellationScope.nonCancellable(() =>
    acts['rlaif.saveCheckpoint'].executeWithOptions(
      bookkeepingOptions(config, `checkpoint after round ${state.round}`),
      [state],
    ),
  );
  run.checkpointing(state.round, saved, spendOf(result.metrics));
}

/** Whether the run continues as new after `round`: Temporal suggests it, or the config's cadence says so. */
function continueAsNewDue({ config, run }: RunContext, round: number): boolean {
  const every = config.continueAsNewEvery;
  const due = workflowInfo().continueAsNewSuggested || (every !== undefined && round % every === 0);
  return due && round < config.rounds && !run.stopping;
}

/**
 * Continues as new: the checkpoint holds the rounds; what updates changed goes with the run.
 * Updates still being handled finish first, so none is lost with this execution.
 */
async function continueAsNewNow({ rawConfig, run }: RunContext): Promise<never> {
  await run.checkpointSaved();
  if (patched(WAIT_FOR_HANDLERS)) await condition(allHandlersFinished);
  return continueAsNew<typeof rlaifRun>(rawConfig, run.carried());
}

/** Ends the run once its last checkpoint is written, and returns its figures. */
async function finish({ config, run }: RunContext, state: RunCheckpoint): Promise<RunSummary> {
  await run.checkpointSaved();
  // An update being handled finishes before the run does (its caller gets its answer) and cannot
  // change the status the run ends with. Runs recorded before returned at once (patched).
  if (patched(WAIT_FOR_HANDLERS)) await condition(allHandlersFinished);
  const status = state.round < config.rounds ? 'stopped' : 'completed';
  run.finished(state.round, status);
  return summaryOf(run.progress.runKey, state, status);
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
