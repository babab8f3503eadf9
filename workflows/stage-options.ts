/** Activity options per stage: task queue routing, timeouts, heartbeats and retries. */
import { ActivityCancellationType, type ActivityOptions } from '@temporalio/workflow';
import type { RunConfig, StageSpec } from '../src/config/schema';
import { stageTypeEntry, taskQueueOf } from '../src/config/stage-types';

/** How long a stage's activity may run: the config's limit, or longer when its type says so. */
function stageMinutes(config: RunConfig, stage: StageSpec | undefined): number {
  const own = stage ? stageTypeEntry(stage.type)?.minutes?.(config, stage) : undefined;
  return Math.max(config.timeouts.stageMinutes, own ?? 0);
}

export function stageActivityOptions(
  config: RunConfig,
  stage: StageSpec | undefined,
  summary: string,
): ActivityOptions {
  const t = config.timeouts;
  const taskQueue = stage ? taskQueueOf(config, stage) : undefined;
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
      // No `nonRetryableErrorTypes`: every activity of the plugin, custom stages included, fails
      // a permanent error (NON_RETRYABLE_ERRORS) as non-retryable itself (activities/context.ts).
      // Listed here they were ~200 bytes of every scheduled activity in history.
    },
  };
}

/** Options for the small bookkeeping activities (prepare, checkpoints). */
export function bookkeepingOptions(config: RunConfig, summary: string): ActivityOptions {
  return { ...stageActivityOptions(config, undefined, summary) };
}
