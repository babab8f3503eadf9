/**
 * Runs CPU-heavy jobs (training, local generation, evaluation) on a small pool of long-lived
 * worker threads, so an activity's main thread stays free to heartbeat and notice cancellation,
 * and a job does not pay for a fresh thread's start-up. Cancelling a job terminates its thread at
 * once (a long matrix loop cannot be interrupted any other way); the pool starts a new one when
 * it next needs it.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { JobArgs, JobName, JobResult } from './jobs';
import type { JobRequest, ThreadMessage } from './protocol';

export interface ThreadOptions {
  /** Called for each progress message; `rows` are finished items the caller may persist. */
  onProgress?: (done: number, total: number, rows?: unknown[]) => void | Promise<void>;
  signal?: AbortSignal;
}

/** An error thrown inside a compute thread, with its original name kept. */
export class ComputeJobError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

const THREAD_MAIN = path.join(__dirname, 'thread-main.js');

interface Pending {
  onMessage(msg: ThreadMessage): void;
  onThreadDeath(err: Error): void;
}

/** One pooled thread: runs one job at a time. */
class ComputeThread {
  readonly worker: Worker;
  current: { id: number; pending: Pending } | undefined;
  dead = false;

  constructor(onDeath: (t: ComputeThread) => void) {
    this.worker = new Worker(THREAD_MAIN);
    this.worker.unref(); // an idle pool must not keep the process alive
    this.worker.on('message', (msg: ThreadMessage) => {
      if (this.current && msg.id === this.current.id) this.current.pending.onMessage(msg);
    });
    const die = (err: Error) => {
      if (this.dead) return;
      this.dead = true;
      onDeath(this);
      this.current?.pending.onThreadDeath(err);
      this.current = undefined;
    };
    this.worker.on('error', (err) => die(err));
    this.worker.on('exit', (code) => die(new Error(`compute thread exited with code ${code}`)));
  }
}

class ComputePool {
  private readonly threads = new Set<ComputeThread>();
  private readonly idle: ComputeThread[] = [];
  private readonly waiting: Array<(t: ComputeThread) => void> = [];
  private nextId = 1;

  constructor(private readonly size: number) {}

  private acquire(): Promise<ComputeThread> {
    const t = this.idle.pop();
    if (t) return Promise.resolve(t);
    if (this.threads.size < this.size) {
      const fresh = new ComputeThread((dead) => this.forget(dead));
      this.threads.add(fresh);
      return Promise.resolve(fresh);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(t: ComputeThread): void {
    t.current = undefined;
    t.worker.unref();
    const next = this.waiting.shift();
    if (next) next(t);
    else this.idle.push(t);
  }

  private forget(t: ComputeThread): void {
    this.threads.delete(t);
    const i = this.idle.indexOf(t);
    if (i >= 0) this.idle.splice(i, 1);
    // A waiter gets a fresh thread in the dead one's place.
    const next = this.waiting.shift();
    if (next) {
      const fresh = new ComputeThread((dead) => this.forget(dead));
      this.threads.add(fresh);
      next(fresh);
    }
  }

  async run<N extends JobName>(job: N, args: JobArgs<N>, opts: ThreadOptions): Promise<JobResult<N>> {
    if (opts.signal?.aborted) throw abortError();
    const thread = await this.acquire();
    if (opts.signal?.aborted) {
      this.release(thread);
      throw abortError();
    }
    const id = this.nextId++;
    return new Promise<JobResult<N>>((resolve, reject) => {
      let settled = false;
      // Progress callbacks may be async (they append rows to disk); keep them in order and let
      // the last one finish before the result is delivered.
      let chain: Promise<void> = Promise.resolve();
      const finish = (fn: () => void, keepThread: boolean) => {
        if (settled) return;
        settled = true;
        opts.signal?.removeEventListener('abort', onAbort);
        if (keepThread) this.release(thread);
        fn();
      };
      const kill = () => {
        thread.current = undefined;
        void thread.worker.terminate();
      };
      const onAbort = () => {
        finish(() => reject(abortError()), false);
        kill();
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      thread.current = {
        id,
        pending: {
          onMessage: (msg) => {
            if (msg.type === 'progress') {
              chain = chain.then(() => opts.onProgress?.(msg.done, msg.total, msg.rows));
              chain.catch((err: unknown) => {
                finish(() => reject(err), false);
                kill();
              });
            } else if (msg.type === 'result') {
              chain.then(
                () => finish(() => resolve(msg.value as JobResult<N>), true),
                (err: unknown) => finish(() => reject(err), false),
              );
            } else {
              const error = new ComputeJobError(msg.name, msg.message);
              if (msg.stack) error.stack = msg.stack;
              finish(() => reject(error), true);
            }
          },
          onThreadDeath: (err) =>
            finish(() => reject(new Error(`compute job ${job}: ${err.message}`)), false),
        },
      };
      thread.worker.ref(); // a job in flight keeps the process alive
      const request: JobRequest = { id, job, args };
      thread.worker.postMessage(request);
    });
  }
}

/** Threads in the pool: $RLAIF_COMPUTE_THREADS, else the machine's cores. */
function poolSize(): number {
  const fromEnv = Number(process.env.RLAIF_COMPUTE_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return Math.max(1, os.availableParallelism());
}

let pool: ComputePool | undefined;

/** Runs `job` on the process's compute pool and resolves with its result. */
export function runInThread<N extends JobName>(
  job: N,
  args: JobArgs<N>,
  opts: ThreadOptions = {},
): Promise<JobResult<N>> {
  pool ??= new ComputePool(poolSize());
  return pool.run(job, args, opts);
}

function abortError(): Error {
  const err = new Error('cancelled');
  err.name = 'AbortError';
  return err;
}
