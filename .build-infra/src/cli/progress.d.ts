import type { WorkflowHandle } from '@temporalio/client';
/** Polls progress until `done` settles; returns `done`'s result. */
export declare function showProgressUntil<T>(handle: WorkflowHandle, done: Promise<T>, intervalMs?: number): Promise<T>;
