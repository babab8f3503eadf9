/**
 * A failed run's story as a person reads it, the same in `status`, `start --wait`, `report`:
 * where it failed (round, stage, activity), why (the innermost message, the one naming the
 * field, endpoint or file), whether retries were spent, and what to do next.
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  ChildWorkflowFailure,
  TerminatedFailure,
  TimeoutFailure,
} from '@temporalio/common';
import type { RunFailure } from '../../workflows/definitions';

export interface FailureStory {
  /** The round that failed; 0 before the first round (config, data preparation). */
  round?: number;
  /** The stage: a stage id of the round, or `config`, `prepare`, `checkpoint`. */
  stage?: string;
  /** The activity type that failed, e.g. `rlaif.judge`. */
  activity?: string;
  message: string;
  /** The error's type, e.g. `ConfigError`, `InvalidInputError`. */
  type?: string;
  /** How the activity's retries ended: a retry could not help, or the last attempt failed too. */
  retry?: 'not retried' | 'after its last attempt';
  /** The run did not fail by itself: it was terminated, cancelled or timed out. */
  ended?: 'terminated' | 'cancelled' | 'timed out';
}

/** The stage an activity type names: rlaif.trainReward → train-reward (custom stages: their name). */
export function stageOfActivity(activityType: string): string {
  return activityType.replace(/^rlaif\./, '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The round number in a round workflow's id (`<run>-round-<n>`). */
export function roundOfWorkflowId(workflowId: string): number | undefined {
  const m = /-round-(\d+)$/.exec(workflowId);
  return m ? Number(m[1]) : undefined;
}

/** The story of a run's failure from the error its result rejects with; undefined for other errors. */
export function storyFromError(err: unknown): FailureStory | undefined {
  if (!(err instanceof WorkflowFailedError)) return undefined;
  const story: FailureStory = { message: err.message };
  for (let cause = err.cause; cause; cause = (cause as Error & { cause?: Error }).cause) {
    if (cause instanceof ChildWorkflowFailure) {
      const round = roundOfWorkflowId(cause.execution.workflowId ?? '');
      if (round !== undefined) story.round = round;
    } else if (cause instanceof ActivityFailure) {
      story.activity = cause.activityType;
      story.stage ??= stageOfActivity(cause.activityType);
      if (cause.retryState === 'NON_RETRYABLE_FAILURE') story.retry = 'not retried';
      else if (cause.retryState === 'MAXIMUM_ATTEMPTS_REACHED') story.retry = 'after its last attempt';
    } else if (cause instanceof TerminatedFailure) story.ended = 'terminated';
    else if (cause instanceof CancelledFailure) story.ended = 'cancelled';
    else if (cause instanceof TimeoutFailure) story.ended = 'timed out';
    if (cause instanceof ApplicationFailure && cause.type) story.type = cause.type;
    story.message = cause.message;
  }
  return story;
}

/**
 * The story from the run's `progress` query, completed with what the result's error adds (how
 * the retries ended): the run knows the stage id, the error knows the retry state.
 */
export function storyOf(failure: RunFailure | undefined, err?: unknown): FailureStory | undefined {
  const fromError = err === undefined ? undefined : storyFromError(err);
  if (!failure) return fromError;
  return {
    ...fromError,
    round: failure.round,
    stage: failure.stage,
    message: failure.message,
    ...(failure.activity ? { activity: failure.activity } : {}),
    ...(failure.type ? { type: failure.type } : {}),
  };
}

/** The story of a closed run from its result, without any worker: the failure is in its history. */
export async function closedRunStory(handle: WorkflowHandle): Promise<FailureStory | undefined> {
  try {
    await handle.result();
    return undefined;
  } catch (err) {
    return storyFromError(err);
  }
}

/** What to do next, as one line. */
export function nextStep(story: FailureStory, workflowId: string): string {
  const resume = `rlaif resume ${workflowId}`;
  // A config that does not parse fails the same way on resume, which sends the same config.
  if (story.stage === 'config') return 'fix the config and start a new run (rlaif start --config <file>)';
  if (story.ended) return `"${resume}" goes on from the last finished round and batch`;
  if (story.retry === 'after its last attempt')
    return `once the cause is gone (an endpoint answers again, a worker has room), "${resume}": finished rounds and batches are kept`;
  return `fix what the message names, then "${resume}": finished rounds and batches are kept`;
}

/** Where, as words: `in round 1, stage judge, activity rlaif.judge`, `before the first round, stage config`. */
export function whereOf(story: FailureStory): string {
  const rest = [
    ...(story.stage ? [`stage ${story.stage}`] : []),
    ...(story.activity ? [`activity ${story.activity}`] : []),
  ];
  if (story.round === 0) return ['before the first round', ...rest].join(', ');
  const parts = [...(story.round !== undefined ? [`round ${story.round}`] : []), ...rest];
  return parts.length > 0 ? `in ${parts.join(', ')}` : '';
}

/** `failed in round 1, stage judge, activity rlaif.judge (after its last attempt)`. */
export function storyHeadline(story: FailureStory): string {
  const where = whereOf(story);
  const retry = story.retry
    ? ` (${story.retry === 'not retried' ? 'not retried: a retry cannot fix it' : story.retry})`
    : '';
  return `${story.ended ?? 'failed'}${where ? ` ${where}` : ''}${retry}`;
}

/** The error as a person reads it: its type (when the message does not already say it) and message. */
export function storyMessage(story: FailureStory): string {
  const type =
    story.type && story.type !== 'Error' && !story.message.startsWith(story.type) ? `${story.type}: ` : '';
  return `${type}${story.message}`;
}

/** The story as lines for `status`: where and why (a long message indented), then the next step. */
export function storyLines(story: FailureStory, workflowId: string): string[] {
  return [
    `${storyHeadline(story)}: ${storyMessage(story).replace(/\n/g, '\n    ')}`,
    `next: ${nextStep(story, workflowId)}`,
  ];
}
