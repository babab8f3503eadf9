/**
 * The faults of an S3 store, each struck while the run really uses the store: the S3 server
 * SIGKILLed under a commit in flight, a while of 503 SlowDown throttling, a worker SIGKILLed while
 * a multipart upload of a checkpoint is in flight.
 */
import type { InjectContext, InjectedFault } from './injectors';
import type { Stage } from './plan';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How long the S3 server stays down: longer than the SDK's first retries, shorter than all six. */
const S3_DOWN_MS = 1500;
/** How long a throttling spell lasts, and the share of requests it answers 503 SlowDown. */
const THROTTLE_MS = 6000;
const THROTTLE_RATE = 0.35;
/** How long the suite waits for the moment it asked a worker for (a commit, an upload). */
const MOMENT_MS = 90_000;

function s3Of(ctx: InjectContext) {
  if (!ctx.s3) throw new Error('chaos: an S3 fault planned for a run whose store is not S3');
  return ctx.s3;
}

/**
 * Holds the worker's next commit after its object is uploaded and before its manifest (the
 * commit itself) is written, SIGKILLs the S3 server, lets the commit go on against the dead
 * server, and starts the server again on the same port and folder after `S3_DOWN_MS`.
 */
export async function s3Restart(
  ctx: InjectContext,
  at: { round: number; stage: Stage },
  isDone: () => boolean,
): Promise<InjectedFault> {
  const s3 = s3Of(ctx);
  const base = { kind: 's3-restart', ...at };
  const held = await ctx.workers.request('hold-commit', 'commit-held ', MOMENT_MS, isDone);
  if (!held) return { ...base, injected: false, note: 'no commit before the run ended' };
  const child = s3.server.process;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
  ctx.workers.release();
  await s3.server.restart({ downMs: S3_DOWN_MS });
  return {
    ...base,
    injected: true,
    note: `S3 server killed under the commit of ${held.slice('commit-held '.length)}`,
  };
}

/** Answers a share of the run's S3 requests with 503 SlowDown for a while. */
export async function s3Throttle(
  ctx: InjectContext,
  at: { round: number; stage: Stage },
  isDone: () => boolean,
): Promise<InjectedFault[]> {
  const { throttle } = s3Of(ctx);
  const before = throttle.stats();
  throttle.setRate(THROTTLE_RATE);
  const until = Date.now() + THROTTLE_MS;
  while (Date.now() < until && !isDone()) await sleep(20);
  throttle.setRate(0);
  const after = throttle.stats();
  const throttled = after.throttled - before.throttled;
  const requests = after.requests - before.requests;
  const spell: InjectedFault = {
    kind: 's3-throttle',
    ...at,
    injected: throttled > 0,
    note: `${throttled} of ${requests} S3 requests answered 503 SlowDown`,
  };
  // One row per throttled request as well, like the endpoint faults.
  const requestsRows = Array.from({ length: throttled }, () => ({
    kind: 's3-throttle:503',
    ...at,
    injected: true,
  }));
  return [spell, ...requestsRows];
}

/**
 * Has the worker stop its next multipart upload of a checkpoint after a part, not completed, and SIGKILLs it
 * there; its replacement must finish the commit, and the commit aborts the abandoned upload.
 */
export async function killMidUpload(
  ctx: InjectContext,
  at: { round: number; stage: Stage },
  isDone: () => boolean,
): Promise<InjectedFault> {
  const base = { kind: 'kill-mid-upload', ...at };
  const line = await ctx.workers.request('kill-in-upload', 'upload-in-flight ', MOMENT_MS, isDone);
  if (!line) return { ...base, injected: false, note: 'no multipart upload before the run ended' };
  await ctx.workers.kill();
  return {
    ...base,
    injected: true,
    note: `worker killed uploading ${line.slice('upload-in-flight '.length)}`,
  };
}
