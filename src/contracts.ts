/**
 * The payloads that cross between workflows and activities. Everything here is small: data is
 * carried by artifact references (claim checks), never inline. Workflow-safe (types and
 * constants only).
 */
import type { Spend } from './budget';
import type { RunConfig } from './config/schema';
import type { ArtifactRef } from './store/artifact';

export type { ArtifactRef } from './store/artifact';
export type { RunConfig } from './config/schema';

/** Activities are registered as `rlaif.<name>` so they cannot clash with a user's own. */
export const ACTIVITY_PREFIX = 'rlaif.';

/**
 * Failure types no retry can fix (bad config or input, a rejected request, a mismatched model
 * file), by error name: the one list. Every activity fails an error of these names as a
 * non-retryable ApplicationFailure of that type (activities/context.ts `classified`); an error
 * class that no retry can fix is added here, not marked elsewhere.
 */
export const NON_RETRYABLE_ERRORS = [
  'ConfigError',
  'CapabilityError',
  'ArtifactNotReproducibleError',
  'InvalidInputError',
  'EndpointConfigError',
  'HumanLabelsError',
  'UserRewardModelError',
  'BatchJobError',
  'FineTuneError',
  'TrainerStartupError',
  'JudgeCoverageError',
] as const;

/** The default task queue for workflows and every stage not routed elsewhere. */
export const DEFAULT_TASK_QUEUE = 'rlaif';

/** Artifacts a round has so far, by kind. Stages read what they need and add what they make. */
export interface Blackboard {
  trainPrompts: ArtifactRef;
  evalPrompts: ArtifactRef;
  /** The policy this round starts from, and the initial (SFT) policy used as KL reference. */
  policy: ArtifactRef;
  initialPolicy: ArtifactRef;
  /** All preferences of earlier rounds, consolidated by the reward-model stage. */
  preferencePool?: ArtifactRef;
  responses?: ArtifactRef[];
  preferences?: ArtifactRef[];
  scores?: ArtifactRef[];
  rewardModel?: ArtifactRef;
  /** The policy this round produced. */
  newPolicy?: ArtifactRef;
}

/**
 * What every stage activity body receives; custom stages receive the same. On the wire, rounds
 * send `configRef` (the run config stored once by the prepare activity) instead of `config`, and
 * the worker loads it before the body runs (activities/config-ref.ts).
 */
export interface StageInput {
  runKey: string;
  round: number;
  stageId: string;
  config: RunConfig;
  board: Blackboard;
  /** For batched stages: which batch of how many. */
  batch?: { index: number; count: number };
  /** For a judge stage's batch sent as a Batch API job: the finished job to read answers from. */
  batchJob?: { batchId: string };
}

/** A judge stage's batch submitted as a Batch API job (`batchId` null: no job, nothing to ask). */
export interface SubmittedJudgeBatch {
  batchId: string | null;
  requests: number;
}

/** The state of a submitted Batch API job. */
export interface JudgeBatchStatus {
  terminal: boolean;
  status: string;
  completed: number;
  failed: number;
  total: number;
}

/** What every stage activity returns: artifacts to add to the board, and metrics. */
export interface StageOutput {
  artifacts: Partial<Blackboard>;
  metrics: Record<string, number>;
}

/** The data and initial policy every round starts from. */
export interface PreparedRun {
  trainPrompts: ArtifactRef;
  evalPrompts: ArtifactRef;
  initialPolicy: ArtifactRef;
  sftLoss: number;
  /**
   * The run config as stored in the run's namespace: stage activities are given this instead of
   * the config (absent from the results of releases before it).
   */
  configRef?: ArtifactRef;
}

/** Metrics of one finished round. */
export interface RoundMetrics {
  round: number;
  metrics: Record<string, number>;
}

/** What the run has after its last completed round: enough to resume from. */
export interface RunCheckpoint {
  runKey: string;
  round: number;
  policy: ArtifactRef;
  preferencePool?: ArtifactRef;
  history: RoundMetrics[];
}

/** Input of the per-round child workflow. */
export interface RoundInput {
  runKey: string;
  round: number;
  config: RunConfig;
  board: Blackboard;
  /**
   * The run config as the prepare activity stored it: the round sends its activities this instead
   * of `config` (runs of earlier releases did not pass it, and their rounds send the config).
   */
  configRef?: ArtifactRef;
  /** The parent to tell when the round waits for budget (and, rounds of earlier releases, of stage progress). */
  parentWorkflowId?: string;
  /** Endpoint spend of the run before this round, checked against `config.budget`. */
  spentBefore?: Spend;
}

/** One stage of a round: batches done, and when it started and ended (workflow time, ms). */
export interface StageStatus {
  stage: string;
  batchesDone: number;
  batchesTotal: number;
  startedAt: number;
  finishedAt?: number;
}

export interface RoundResult {
  round: number;
  /** The round gave up waiting for budget (the run is stopping); nothing of it is kept. */
  abandoned?: boolean;
  policy: ArtifactRef;
  preferencePool?: ArtifactRef;
  metrics: Record<string, number>;
  /** Each stage's final status, for the run's progress (rounds before this did not say). */
  stages?: StageStatus[];
}
