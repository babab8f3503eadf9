/** Activity options per stage: task queue routing, timeouts, heartbeats and retries. */
import type { ActivityOptions } from '@temporalio/workflow';
import type { RunConfig, StageSpec } from '../src/config/schema';
/** Failure types no retry can fix; the run fails at once with their message. */
export declare const NON_RETRYABLE: string[];
export declare function stageActivityOptions(config: RunConfig, stage: StageSpec | undefined, summary: string): ActivityOptions;
/** Options for the small bookkeeping activities (prepare, checkpoints). */
export declare function bookkeepingOptions(config: RunConfig, summary: string): ActivityOptions;
