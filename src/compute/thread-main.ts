/** Entry point of a compute thread: runs one job and posts progress and its result. */
import { parentPort, workerData } from 'node:worker_threads';
import { JOBS } from './jobs';
import type { JobRequest, ThreadMessage } from './protocol';

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('thread-main must run in a worker thread');
  const { job, args } = workerData as JobRequest;
  const post = (msg: ThreadMessage) => port.postMessage(msg);
  // Hold the thread open until the job settles: a job may await handles that are unref'd
  // (the shared onnxruntime worker), and an idle event loop would end the thread silently.
  const keepAlive = setInterval(() => undefined, 60_000);
  try {
    const run = JOBS[job as keyof typeof JOBS] as unknown as
      | ((
          args: unknown,
          progress: (done: number, total: number, rows?: unknown[]) => void,
        ) => Promise<unknown>)
      | undefined;
    if (!run) throw new Error(`unknown compute job "${job}"`);
    const value = await run(args, (done, total, rows) => post({ type: 'progress', done, total, rows }));
    post({ type: 'result', value });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    post({ type: 'error', name: e.name, message: e.message, stack: e.stack });
  } finally {
    clearInterval(keepAlive);
  }
}

void main();
