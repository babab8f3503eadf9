/**
 * Names shared by workflows, clients and the CLI: queries, updates, signals, search attributes.
 * Workflow-safe.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Budget, Spend } from '../src/budget';
import type { RoundMetrics, StageStatus } from '../src/contracts';

/** Where and why a run failed, as its `progress` query tells it. */
export interface RunFailure {
  /** The round that failed (0: before the first round, e.g. preparing data or parsing the config). */
  round: number;
  /** The stage that failed: a stage id of the round, or `config`, `prepare`, `checkpoint`. */
  stage: string;
  /** The innermost error's message: the one that says what to fix. */
  message: string;
  /** The activity type that failed, when an activity did (e.g. `rlaif.judge`). */
  activity?: string;
  /** The application failure's type, when it has one (e.g. `ConfigError`). */
  type?: string;
}

/** Where a run is: returned by the `progress` query (closed runs answer it too). */
export interface RunProgress {
  /** Also the `RlaifStatus` search attribute. The last four end a run. */
  status:
    | 'starting'
    | 'running'
    | 'paused'
    | 'budget-exhausted'
    | 'stopping'
    | 'stopped'
    | 'completed'
    | 'cancelled'
    | 'failed';
  runKey: string;
  /** The round running, or the last one run once the run has ended. */
  round: number;
  rounds: number;
  /**
   * Where the run is: `prepare`, `waiting` (paused, or at the budget's cap, before a round),
   * `round` (a round is running: its live stages are its own `roundProgress` query, see
   * `roundWorkflowId`), `checkpoint` (a round has ended; its checkpoint is being saved), a stage
   * id (rounds of earlier releases reported their stages), or `done`.
   */
  stage: string;
  /** Batches of the current stage; for a run that has ended, of its last stage (all done). */
  batchesDone: number;
  batchesTotal: number;
  /**
   * Each stage of the current round so far, in the order they started: filled in when the round
   * ends (its result says how each stage ended). While it runs, ask the round (`roundProgress`);
   * `withRoundStages` in workflows/stage-status.ts merges the two.
   */
  stages: StageStatus[];
  /** The workflow id of the round running (absent between rounds). */
  roundWorkflowId?: string;
  /** The last round that ended, with how each of its stages ended. */
  lastRound?: { round: number; stages: StageStatus[] };
  /** The last round whose checkpoint is saved: a resumed run goes on after it. */
  checkpointRound?: number;
  /** Metrics of the last completed round (there as soon as the round ends). */
  latest?: Record<string, number>;
  /** Metrics of each completed round, in order. */
  history: RoundMetrics[];
  paused: boolean;
  stopAfterRound: boolean;
  /** Endpoint spend so far (tokens, money) and the run's budget. */
  spend: Spend;
  budget?: Budget;
  /** Set when the run failed. */
  failure?: RunFailure;
}

/** One stage of the current round (defined with the round's result, which reports them too). */
export type { StageStatus } from '../src/contracts';

/** Sent by a round to its parent run as stages start, batches finish and stages end. */
export interface StageProgress {
  round: number;
  stage: string;
  batchesDone: number;
  batchesTotal: number;
  /** The round's spend so far, when it changed. */
  roundSpend?: Spend;
  /** The round waits for a higher budget before its next stage. */
  waitingForBudget?: boolean;
  /**
   * Sent by rounds that report nothing else (this release on): the run takes the spend and the
   * wait, not the stage. Rounds of earlier releases reported every stage.
   */
  budgetOnly?: boolean;
  /** Workflow time of the report, and of the stage's start (rounds that pace their signals send both). */
  at?: number;
  startedAt?: number;
}

export const progressQuery = defineQuery<RunProgress>('progress');
/** Pauses the run: no new activity starts until `unpause`. Takes no arguments (any are ignored). */
export const pauseUpdate = defineUpdate<RunProgress>('pause');
/** Unpauses a paused run. Takes no arguments (any are ignored). */
export const unpauseUpdate = defineUpdate<RunProgress>('unpause');
/**
 * The old name of `unpause`, still accepted (by runs of every release, this one included) for
 * clients of earlier releases. Not `rlaif resume`, which restarts a failed run.
 * @deprecated use `unpauseUpdate`
 */
export const resumeUpdate = defineUpdate<RunProgress>('resume');
/** Ends the run once the current round is done. Takes no arguments (any are ignored). */
export const stopAfterRoundUpdate = defineUpdate<RunProgress>('stopAfterRound');
/**
 * Raises (or lowers) the budget's caps: `{maxTokens}`, `{maxCost}` or both; a cap it does not name
 * stays. A run paused at its cap goes on if the new caps allow. Bad arguments are rejected.
 */
export const raiseBudgetUpdate = defineUpdate<RunProgress, [Budget]>('raiseBudget');
/** Parent → round: the new budget, or `abandon` to end a round waiting for budget (run stopping). */
export const budgetSignal = defineSignal<[{ budget?: Budget; abandon?: boolean }]>('setBudget');
/** Parent → round: pause or resume scheduling new activities. */
export const setPausedSignal = defineSignal<[boolean]>('setPaused');
/**
 * Round → parent, in answer to `setPaused`: the round's stages as they stand, so the run's
 * `pause` and `unpause` updates answer with where the round is, not where it last heard.
 */
export const roundStagesSignal = defineSignal<[{ round: number; stages: StageStatus[] }]>('roundStages');
/** A round's own view of its stages, live (its run hears of them only when the round ends). */
export const roundProgressQuery = defineQuery<StageStatus[]>('roundProgress');

/**
 * Progress of a round's stages, to its run: a wait for budget (`budgetOnly`), or, from a v0.3.0
 * round, a paced list (the latest report of each stage since the last signal, oldest first).
 */
export const stageProgressSignal = defineSignal<[StageProgress | StageProgress[]]>('stageProgress');

export const RLAIF_ROUND = defineSearchAttributeKey('RlaifRound', SearchAttributeType.INT);
export const RLAIF_STAGE = defineSearchAttributeKey('RlaifStage', SearchAttributeType.KEYWORD);
export const RLAIF_STATUS = defineSearchAttributeKey('RlaifStatus', SearchAttributeType.KEYWORD);
export const RLAIF_CONFIG = defineSearchAttributeKey('RlaifConfig', SearchAttributeType.KEYWORD);
