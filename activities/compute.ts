/** Runs a compute job off the main thread, wired to the activity's heartbeats and cancellation. */
import { JOBS, type JobArgs, type JobName, type JobResult } from '../src/compute/jobs';
import { runInThread } from '../src/compute/run-in-thread';
import { activitySignal, reportProgress, withLivenessBeats } from './context';
import type { ActivityDeps } from './deps';

export async function compute<N extends JobName>(
  deps: ActivityDeps,
  job: N,
  args: JobArgs<N>,
  onRows?: (rows: unknown[]) => Promise<void>,
): Promise<JobResult<N>> {
  const onProgress = async (done: number, total: number, rows?: unknown[]) => {
    if (rows && onRows) await onRows(rows);
    else reportProgress({ step: done, total });
  };
  if (deps.threads === false) {
    // In-thread mode, for debugging: same job, but it blocks heartbeats while it computes.
    const run = JOBS[job] as unknown as (
      a: unknown,
      p: (d: number, t: number, r?: unknown[]) => void,
    ) => Promise<JobResult<N>>;
    const pending: Promise<void>[] = [];
    const result = await run(args, (d, t, r) => {
      pending.push(onProgress(d, t, r));
    });
    await Promise.all(pending);
    return result;
  }
  // The main thread is free while the job computes: keep heartbeating even between progress
  // reports (a long epoch, a big evaluation), so only a dead worker misses its heartbeat timeout.
  return withLivenessBeats(() => runInThread(job, args, { onProgress, signal: activitySignal() }));
}
