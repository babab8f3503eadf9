/** What a report is made of: the run's per-round metrics and per-stage times, as collected. */
import type { RoundMetrics } from '../contracts';
import type { FailureStory } from '../cli/failure-story';

export type { RoundMetrics } from '../contracts';

/** Wall time of one stage of one round, from the round workflow's activity events. */
export interface StageTime {
  round: number;
  stage: string;
  /** When its first activity was scheduled (ISO 8601). */
  startedAt: string;
  /** From its first activity scheduled to its last one closed. */
  seconds: number;
  /** Activities (batches) of the stage. */
  activities: number;
  /** Attempts over all its activities (more than `activities` when some were retried). */
  attempts: number;
}

export interface ReportData {
  workflowId: string;
  /** Temporal's execution status (RUNNING, COMPLETED, FAILED, ...). */
  executionStatus: string;
  /** The run's own status from its progress query, when it answered. */
  runStatus?: string;
  name?: string;
  roundsPlanned?: number;
  /** The round in progress, for a running run. */
  current?: { round: number; stage: string; batchesDone: number; batchesTotal: number };
  /** Completed rounds, in order. */
  rounds: RoundMetrics[];
  stageTimes: StageTime[];
  /** Where the round metrics came from: `progress query`, `run result` or `round results`. */
  source: string;
  /** Things the reader should know (a figure missing, and why). */
  notes: string[];
  generatedAt: string;
  uiUrl?: string;
  /** Where and why a failed (or terminated, cancelled, timed-out) run ended. */
  failure?: FailureStory;
  /** What to do about it, one line. */
  next?: string;
}
