/** Starting, resuming and inspecting runs through a Temporal client. */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { RunConfig } from '../config/schema';
import type { RunSummary } from '../../workflows/run';
export interface StartOptions {
    workflowId?: string;
    taskQueue?: string;
    memo?: Record<string, unknown>;
    summary?: string;
}
/** A workflow id from the config name and the time, when the user gives none. */
export declare function defaultWorkflowId(config: RunConfig): string;
/** Starts `rlaifRun` with a validated config. */
export declare function startRun(client: Client, config: RunConfig, opts?: StartOptions): Promise<WorkflowHandle>;
/** The config a workflow was started with, read from its first history event. */
export declare function startedConfig(client: Client, workflowId: string): Promise<RunConfig>;
/**
 * Continues a failed, terminated or cancelled run as a new execution on the same run key:
 * the new execution loads the last checkpoint and finds every committed batch.
 */
export declare function resumeRun(client: Client, workflowId: string, opts?: {
    taskQueue?: string;
}): Promise<WorkflowHandle>;
/** Waits for a run's result. */
export declare function runResult(handle: WorkflowHandle): Promise<RunSummary>;
