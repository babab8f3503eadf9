/** Activity options per stage: task queue routing, timeouts, heartbeats and retries. */
import type { ActivityOptions } from '@temporalio/workflow';
import type { RunConfig, StageSpec } from '../src/config/schema';
import { NON_RETRYABLE_ERRORS } from '../src/contracts';

/** Failure types no retry can fix; the run fails at once with their message. */
export const NON_RETRYABLE = [...NON_RETRYABLE_ERRORS];

export function stageActivityOptions(
  config: RunConfig,
  stage: StageSpec | undefined,
  summary: string,
): ActivityOptions {
  const t = config.timeouts;
  const taskQueue = stage ? (stage.taskQueue ?? config.taskQueues[stage.type]) : undefined;
  return {
    ...(taskQueue ? { taskQueue } : {}),
    summary,
    startToCloseTimeout: `${t.stageMinutes} minutes`,
    heartbeatTimeout: `${t.heartbeatSeconds} seconds`,
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '30 seconds',
      maximumAttempts: t.maxAttempts,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  };
}

/** Options for the small bookkeeping activities (prepare, checkpoints). */
export function bookkeepingOptions(config: RunConfig, summary: string): ActivityOptions {
  return { ...stageActivityOptions(config, undefined, summary) };
}
