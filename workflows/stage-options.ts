/** Activity options per stage: task queue routing, timeouts, heartbeats and retries. */
import { ActivityCancellationType, type ActivityOptions } from '@temporalio/workflow';
import type { RunConfig, StageSpec } from '../src/config/schema';
import { NON_RETRYABLE_ERRORS } from '../src/contracts';

/** Failure types no retry can fix; the run fails at once with their message. */
export const NON_RETRYABLE = [...NON_RETRYABLE_ERRORS];

/** A fine-tuning job may run for hours: its stage lasts as long as the job may, plus a margin. */
function stageMinutes(config: RunConfig, stage: StageSpec | undefined): number {
  const ft = config.policy.fineTune;
  if (stage?.type === 'optimize-policy' && stage.method === 'fine-tune' && ft)
    return Math.max(config.timeouts.stageMinutes, ft.timeoutHours * 60 + 30);
  return config.timeouts.stageMinutes;
}

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
    // A cancelled run waits for its activities to stop (a trainer killed, a fine-tuning job
    // cancelled) rather than leaving them running with nothing to report to.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    startToCloseTimeout: `${stageMinutes(config, stage)} minutes`,
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
