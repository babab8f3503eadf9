/**
 * How a run shows itself: its `progress` query, its search attributes and the UI's current
 * details, and where and why it failed. Workflow code.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { RunConfig, StageSpec } from '../src/config/schema';
import { expandStages } from '../src/config/stages';
import { NO_SPEND, overBudget, type Budget } from '../src/budget';
import { runKeyFor } from '../src/store/artifact';
import {
  progressQuery,
  RLAIF_ROUND,
  RLAIF_STAGE,
  RLAIF_STATUS,
  type RunFailure,
  type RunProgress,
} from './definitions';
import { stageOfActivity } from './stage-status';

/** Patch id: a run whose config does not parse is tagged RlaifStatus="failed" (it had no status). */
const CONFIG_FAILURE_STATUS = 'config-failure-status';

/** The run's own activities, and the stage a failure of theirs is told under. */
const RUN_ACTIVITY_STAGE: Readonly<Record<string, string>> = {
  'rlaif.prepare': 'prepare',
  'rlaif.loadCheckpoint': 'prepare',
  'rlaif.saveCheckpoint': 'checkpoint',
};

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

/** The progress of a run before its first step. */
function startingProgress(
  runKey: string,
  rounds: number,
  carried?: CarriedState,
  budget?: Budget,
): RunProgress {
  return {
    status: 'starting',
    runKey,
    round: 0,
    rounds,
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
}

/** A run whose config does not parse still answers `progress`, saying why, and is listed as failed. */
export function showRefusedConfig(message: string): void {
  const failure: RunFailure = { round: 0, stage: 'config', message, type: 'ConfigError' };
  const runKey = runKeyFor(workflowInfo().workflowId);
  const progress: RunProgress = {
    ...startingProgress(runKey, 0),
    status: 'failed',
    stage: 'config',
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

/** The UI's current details of a run: markdown in a frame about four lines high. */
function detailsOf(progress: RunProgress, config: RunConfig): string {
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
  // Hard line breaks (two spaces) rather than paragraphs, and "2 of 3" because the UI's renderer
  // turns "2/3" into a fraction.
  return [
    `**${config.name}** · ${progress.status}${progress.paused ? ' (paused)' : ''}`,
    `round ${progress.round} of ${config.rounds} · ${where}`,
    win !== undefined ? `last win rate vs initial: ${win.toFixed(3)}` : '',
    failure ? `failed in round ${failure.round} · ${failure.stage}: ${failure.message.slice(0, 200)}` : '',
  ]
    .filter(Boolean)
    .join('  \n');
}

/**
 * A run's progress as the `progress` query, the search attributes and the UI's current details
 * show it. Update handlers and the main loop both change it; each change is made whole before an
 * await, so neither sees a half-made state.
 */
export class RunView {
  readonly progress: RunProgress;

  constructor(
    private readonly config: RunConfig,
    runKey: string,
    carried: CarriedState | undefined,
  ) {
    this.progress = startingProgress(runKey, config.rounds, carried, carried?.budget ?? config.budget);
    setHandler(progressQuery, () => this.progress);
  }

  show(): void {
    setCurrentDetails(detailsOf(this.progress, this.config));
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
   * ends as cancelled too), else failed, naming where and why. Only the status is upserted;
   * `RlaifStatus="failed"` finds failed runs, `"cancelled"` cancelled ones.
   */
  ended(err: unknown): void {
    const cancelled = isCancellation(err) && CancellationScope.current().consideredCancelled;
    this.progress.status = cancelled ? 'cancelled' : 'failed';
    if (!cancelled) this.progress.failure = failureOf(err, this.progress, expandStages(this.config));
    upsertSearchAttributes([{ key: RLAIF_STATUS, value: this.progress.status }]);
    this.show();
  }
}
