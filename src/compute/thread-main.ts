/**
 * Entry point of a pooled compute thread: runs jobs one at a time as they arrive, posting
 * progress and results. The thread lives across jobs, so module loading and the onnxruntime
 * start-up are paid once per thread, not once per activity.
 */
import { parentPort } from 'node:worker_threads';
import { JOBS } from './jobs';
import type { JobRequest, ThreadMessage } from './protocol';

type Runner = (
  args: unknown,
  progress: (done: number, total: number, rows?: unknown[]) => void,
) => Promise<unknown>;

const port = parentPort;
if (!port) throw new Error('thread-main must run in a worker thread');

port.on('message', (request: JobRequest) => {
  const post = (msg: ThreadMessage) => port.postMessage(msg);
  const { id, job, args } = request;
  void (async () => {
    try {
      const run = JOBS[job as keyof typeof JOBS] as unknown as Runner | undefined;
      if (!run) throw new Error(`unknown compute job "${job}"`);
      const value = await run(args, (done, total, rows) => post({ id, type: 'progress', done, total, rows }));
      post({ id, type: 'result', value });
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      post({ id, type: 'error', name: e.name, message: e.message, stack: e.stack });
    }
  })();
});
