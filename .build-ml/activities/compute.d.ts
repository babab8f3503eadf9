/** Runs a compute job off the main thread, wired to the activity's heartbeats and cancellation. */
import { type JobArgs, type JobName, type JobResult } from '../src/compute/jobs';
import type { ActivityDeps } from './deps';
export declare function compute<N extends JobName>(deps: ActivityDeps, job: N, args: JobArgs<N>, onRows?: (rows: unknown[]) => Promise<void>): Promise<JobResult<N>>;
