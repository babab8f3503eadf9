/**
 * Names shared by workflows, clients and the CLI: queries, updates, signals, search attributes.
 * Workflow-safe.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Budget, Spend } from '../src/budget';
import type { RoundMetrics, StageStatus } from '../src/contracts';

/** Where a run is: returned by the `progress` query. */
export interface RunProgress {
  status:
    'starting' | 'running' | 'paused' | 'budget-exhausted' | 'stopping' | 'stopped' | 'completed' | 'failed';
  runKey: string;
  round: number;
  rounds: number;
  stage: string;
  batchesDone: number;
  batchesTotal: number;
  /** Each stage of the current round so far, in the order they started. */
  stages: StageStatus[];
  /** Metrics of the last completed round. */
  latest?: Record<string, number>;
  history: RoundMetrics[];
  paused: boolean;
  stopAfterRound: boolean;
  /** Endpoint spend so far (tokens, money) and the run's budget. */
  spend: Spend;
  budget?: Budget;
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
  /** Workflow time of the report, and of the stage's start (rounds that pace their signals send both). */
  at?: number;
  startedAt?: number;
}

export const progressQuery = defineQuery<RunProgress>('progress');
export const pauseUpdate = defineUpdate<RunProgress>('pause');
export const resumeUpdate = defineUpdate<RunProgress>('resume');
export const stopAfterRoundUpdate = defineUpdate<RunProgress>('stopAfterRound');
/** Raises (or lowers) the budget; a run paused at its cap goes on if the new cap allows. */
export const raiseBudgetUpdate = defineUpdate<RunProgress, [Budget]>('raiseBudget');
/** Parent → round: the new budget, or `abandon` to end a round waiting for budget (run stopping). */
export const budgetSignal = defineSignal<[{ budget?: Budget; abandon?: boolean }]>('setBudget');
/** Parent → round: pause or resume scheduling new activities. */
export const setPausedSignal = defineSignal<[boolean]>('setPaused');
/** Round → parent: stage progress. */
/** A round's own view of its stages, live (its run hears of them at most every 2 s). */
export const roundProgressQuery = defineQuery<StageStatus[]>('roundProgress');

/**
 * Progress of a round's stages, to its run. Rounds send a list (the latest report of each stage
 * since the last signal, oldest first); rounds recorded before that sent one report per signal.
 */
export const stageProgressSignal = defineSignal<[StageProgress | StageProgress[]]>('stageProgress');

export const RLAIF_ROUND = defineSearchAttributeKey('RlaifRound', SearchAttributeType.INT);
export const RLAIF_STAGE = defineSearchAttributeKey('RlaifStage', SearchAttributeType.KEYWORD);
export const RLAIF_STATUS = defineSearchAttributeKey('RlaifStatus', SearchAttributeType.KEYWORD);
export const RLAIF_CONFIG = defineSearchAttributeKey('RlaifConfig', SearchAttributeType.KEYWORD);
