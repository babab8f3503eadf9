/**
 * The Temporal side of an activity in one place: heartbeats with progress details, the
 * cancellation signal, and turning errors into failures Temporal classifies correctly. The same
 * activities also run outside a worker (the in-process loop, `runOutsideTemporal`): there a
 * heartbeat goes nowhere and cancellation comes from the caller's AbortSignal.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { setMaxListeners } from 'node:events';
import { asyncLocalStorage as activityContext, type Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ConfigError } from '../src/config/errors';
import { NON_RETRYABLE_ERRORS } from '../src/contracts';
import { redactError } from '../src/util/redact';

/** Progress a batch reports in its heartbeats; a retried attempt resumes after `rows`. */
export interface BatchProgress {
  rows: number;
  total: number;
}

/** The last details each running activity heartbeated, so a liveness beat can repeat them. */
const lastDetails = new WeakMap<Context, unknown>();

/** Activities called outside a worker: the signal that cancels them. */
const outside = new AsyncLocalStorage<{ signal: AbortSignal }>();

/**
 * Runs activity code outside a Temporal worker: heartbeats are no-ops, there is no previous
 * attempt, and `signal` cancels. Inside an activity the SDK's context is used, as always.
 */
export function runOutsideTemporal<T>(signal: AbortSignal, body: () => Promise<T>): Promise<T> {
  return outside.run({ signal }, body);
}

/** The running activity's context, or undefined outside a worker. */
const currentContext = (): Context | undefined => activityContext.getStore();

/** Heartbeats progress. The SDK throttles sends, so calling it often is cheap. */
export function reportProgress(progress: BatchProgress | Record<string, number>): void {
  const context = currentContext();
  if (!context) return;
  lastDetails.set(context, progress);
  context.heartbeat(progress);
}

/** Heartbeats the last reported details again: the worker is alive, the work goes on. */
export function heartbeatAgain(): void {
  const context = currentContext();
  context?.heartbeat(lastDetails.get(context));
}

/**
 * Runs `body` heartbeating on a timer (a third of the heartbeat timeout, at most every 10 s):
 * for work that waits on a remote server, where one request can outlast the heartbeat timeout
 * while the worker is perfectly alive.
 */
export async function withLivenessBeats<T>(body: () => Promise<T>): Promise<T> {
  const context = currentContext();
  if (!context) return body();
  const timeoutMs = context.info.heartbeatTimeoutMs ?? 30_000;
  const liveness = setInterval(heartbeatAgain, Math.max(200, Math.min(10_000, timeoutMs / 3)));
  try {
    return await body();
  } finally {
    clearInterval(liveness);
  }
}

/** The progress the previous attempt of this activity reported, if any. */
export function previousProgress(): BatchProgress | undefined {
  const details = currentContext()?.info.heartbeatDetails as Partial<BatchProgress> | undefined;
  if (details && typeof details.rows === 'number' && details.rows >= 0) {
    return { rows: details.rows, total: details.total ?? 0 };
  }
  return undefined;
}

/** The signal that fires when Temporal cancels this activity (or the worker shuts down). */
export function activitySignal(): AbortSignal {
  const signal = currentContext()?.cancellationSignal ?? outside.getStore()?.signal;
  if (!signal) throw new Error('activity code called outside an activity and outside runOutsideTemporal');
  // Every concurrent endpoint request of a batch listens to it; many listeners are expected.
  setMaxListeners(256, signal);
  return signal;
}

/** Whether a retry cannot fix this error: its name is listed (`instanceof` is not reliable across bundles). */
const isNonRetryable = (err: Error): boolean =>
  (NON_RETRYABLE_ERRORS as readonly string[]).includes(err.name);

/**
 * Runs an activity body, turning permanent errors into non-retryable failures with their
 * message intact; everything else is left to the retry policy.
 */
export async function classified<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (caught) {
    // The failure's message and stack go into workflow history: no key this worker holds may be in them.
    const err = redactError(caught);
    if (err instanceof ConfigError || (err instanceof Error && isNonRetryable(err))) {
      throw ApplicationFailure.nonRetryable(err.message, err.name);
    }
    // A rate limit that outlasted the governor's own retries: retry after what the server asked.
    const retryAfterMs = (err as { retryAfterMs?: unknown }).retryAfterMs;
    if (
      err instanceof Error &&
      err.name === 'RateLimitedError' &&
      typeof retryAfterMs === 'number' &&
      retryAfterMs > 0
    ) {
      throw ApplicationFailure.create({ message: err.message, type: err.name, nextRetryDelay: retryAfterMs });
    }
    throw err;
  }
}
