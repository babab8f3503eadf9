/**
 * Runs a CPU-heavy job (training, local generation, evaluation) in a worker thread, so the
 * activity's main thread stays free to send heartbeats and notice cancellation. Cancelling
 * terminates the thread at once: a long matrix loop cannot be interrupted any other way.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { JobName, JobArgs, JobResult } from './jobs';
import type { JobRequest, ThreadMessage } from './protocol';

export interface ThreadOptions {
  /** Called for each progress message; `rows` are finished items the caller may persist. */
  onProgress?: (done: number, total: number, rows?: unknown[]) => void | Promise<void>;
  signal?: AbortSignal;
}

/** An error thrown inside the compute thread, with its original name kept. */
export class ComputeJobError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

const THREAD_MAIN = path.join(__dirname, 'thread-main.js');

/** Runs `job` in a fresh worker thread and resolves with its result. */
export function runInThread<N extends JobName>(
  job: N,
  args: JobArgs<N>,
  opts: ThreadOptions = {},
): Promise<JobResult<N>> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(abortError());
      return;
    }
    const request: JobRequest = { job, args };
    const worker = new Worker(THREAD_MAIN, { workerData: request });
    let settled = false;
    let gotResult = false;
    // Progress callbacks may be async (they append rows to disk); keep them in order and make
    // sure the last one has finished before the result is delivered.
    let chain: Promise<void> = Promise.resolve();
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => {
      finish(() => reject(abortError()));
      void worker.terminate();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (msg: ThreadMessage) => {
      if (msg.type === 'progress') {
        chain = chain.then(() => opts.onProgress?.(msg.done, msg.total, msg.rows));
        chain.catch((err: unknown) => {
          finish(() => reject(err));
          void worker.terminate();
        });
      } else if (msg.type === 'result') {
        // The thread may exit before the last progress callbacks finish; the result is in hand.
        gotResult = true;
        chain.then(
          () => finish(() => resolve(msg.value as JobResult<N>)),
          (err: unknown) => finish(() => reject(err)),
        );
      } else {
        const error = new ComputeJobError(msg.name, msg.message);
        if (msg.stack) error.stack = msg.stack;
        finish(() => reject(error));
      }
    });
    worker.on('error', (err) => finish(() => reject(err)));
    worker.on('exit', (code) => {
      if (gotResult) return;
      finish(() => reject(new Error(`compute thread for ${job} exited with code ${code} before returning`)));
    });
  });
}

function abortError(): Error {
  const err = new Error('cancelled');
  err.name = 'AbortError';
  return err;
}
