import type { JobName, JobArgs, JobResult } from './jobs';
export interface ThreadOptions {
    /** Called for each progress message; `rows` are finished items the caller may persist. */
    onProgress?: (done: number, total: number, rows?: unknown[]) => void | Promise<void>;
    signal?: AbortSignal;
}
/** An error thrown inside the compute thread, with its original name kept. */
export declare class ComputeJobError extends Error {
    readonly name: string;
    constructor(name: string, message: string);
}
/** Runs `job` in a fresh worker thread and resolves with its result. */
export declare function runInThread<N extends JobName>(job: N, args: JobArgs<N>, opts?: ThreadOptions): Promise<JobResult<N>>;
