/**
 * Limits on the requests a server takes in. A provider-side request ceiling (the fault proxy's
 * `rateLimit`): at most `requests` arrivals in any sliding window of `windowMs`. Providers quantize
 * their per-minute limits into shorter windows (a burst of a whole minute's budget in one second
 * is refused), so a benchmark can give this a short window to check that a client paces its
 * requests rather than bursting them. And the local model server's bound on work in flight: a
 * few requests compute at once, a bounded queue waits, and each computation yields to the event
 * loop in short slices, so no request starves the others or holds up closing the server.
 */
import { ApiError, tooManyRequests } from './api-error';

/** The ceiling: `requests` per `windowMs` (default one minute). */
export interface RequestLimit {
  requests: number;
  windowMs?: number;
}

/** Whether a request was admitted, and if not, how long until one would be. */
export type Admission = { ok: true } | { ok: false; retryAfterMs: number; limit: number };

/** A sliding-window counter of admitted requests; refused requests do not use up the budget. */
export class SlidingWindowLimiter {
  private readonly arrivals: number[] = [];
  private readonly windowMs: number;

  constructor(
    private readonly limit: RequestLimit,
    private readonly now: () => number = Date.now,
  ) {
    if (!(Number.isInteger(limit.requests) && limit.requests >= 1))
      throw new Error(`rate limit: requests must be a whole number ≥ 1, got ${limit.requests}`);
    this.windowMs = limit.windowMs ?? 60_000;
    if (!(this.windowMs > 0)) throw new Error(`rate limit: windowMs must be > 0, got ${limit.windowMs}`);
  }

  /** Admits a request arriving now, or says when the oldest arrival leaves the window. */
  admit(): Admission {
    const t = this.now();
    while (this.arrivals.length > 0 && (this.arrivals[0] as number) <= t - this.windowMs)
      this.arrivals.shift();
    if (this.arrivals.length < this.limit.requests) {
      this.arrivals.push(t);
      return { ok: true };
    }
    const retryAfterMs = Math.max(1, (this.arrivals[0] as number) + this.windowMs - t);
    return { ok: false, retryAfterMs, limit: this.limit.requests };
  }
}

/** How much compute the local model server runs at once. */
export interface InFlightLimits {
  /** Requests computing at once; they interleave, each yielding every few milliseconds. */
  maxConcurrent: number;
  /** Requests waiting for a computing slot; beyond them a request gets 429 at once. */
  maxQueued: number;
}

/** Defaults of `InFlightLimits`. */
export const DEFAULT_IN_FLIGHT_LIMITS: InFlightLimits = { maxConcurrent: 4, maxQueued: 64 };

/** The defaults overridden by `given`; throws naming a limit that is not a whole number in range. */
export function inFlightLimits(given: Partial<InFlightLimits> = {}): InFlightLimits {
  const limits = { ...DEFAULT_IN_FLIGHT_LIMITS, ...given };
  if (!(Number.isSafeInteger(limits.maxConcurrent) && limits.maxConcurrent >= 1))
    throw new Error(`maxConcurrent must be a whole number ≥ 1, got ${limits.maxConcurrent}`);
  if (!(Number.isSafeInteger(limits.maxQueued) && limits.maxQueued >= 0))
    throw new Error(`maxQueued must be a whole number ≥ 0, got ${limits.maxQueued}`);
  return limits;
}

/** What a refused request is told to wait before retrying; a slot frees within about that. */
const RETRY_AFTER_SECONDS = 1;

/**
 * Slots for computing requests: at most `maxConcurrent` are held, up to `maxQueued` requests wait
 * for one in arrival order, and the rest are refused with 429 and retry-after, so a flood costs
 * the server one queue entry per request and never its memory or compute.
 */
export class InFlightLimiter {
  private running = 0;
  private readonly queue: Array<() => void> = [];

  readonly limits: InFlightLimits;

  constructor(limits: Partial<InFlightLimits> = {}) {
    this.limits = inFlightLimits(limits);
  }

  /** Waits for a slot and returns its release; 429 when the queue is full, `cancelled()` when `signal` aborts first. */
  async acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) throw cancelled();
    if (this.running < this.limits.maxConcurrent && this.queue.length === 0) {
      this.running++;
      return this.release();
    }
    if (this.queue.length >= this.limits.maxQueued) {
      throw tooManyRequests(
        `The server is busy: ${this.running} requests are computing and ${this.queue.length} are waiting ` +
          `(its limits: maxConcurrent ${this.limits.maxConcurrent}, maxQueued ${this.limits.maxQueued}). ` +
          `Retry after ${RETRY_AFTER_SECONDS} s.`,
        RETRY_AFTER_SECONDS,
      );
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.queue.splice(this.queue.indexOf(admit), 1);
        reject(cancelled());
      };
      const admit = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      this.queue.push(admit);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    return this.release();
  }

  private release(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The slot passes straight to the oldest waiter, so `running` only drops when none waits.
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    };
  }
}

/** How long a computation runs before it gives the event loop back. */
const SLICE_MS = 10;

/**
 * One request's computation, paced: `step()` between units of work yields to the event loop
 * once the current slice is used up (so other requests, new connections and `close()` get their
 * turn) and stops the work once `signal` aborts (the client went away or the server is closing).
 */
export class Pacer {
  private sliceStart = Date.now();

  constructor(private readonly signal: AbortSignal) {}

  /** Resolves at once within the slice, after a `setImmediate` past it; `cancelled()` once aborted. */
  async step(): Promise<void> {
    if (Date.now() - this.sliceStart >= SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      this.sliceStart = Date.now();
    }
    if (this.signal.aborted) throw cancelled();
  }
}

/** The error of work stopped because nobody waits for it any more; it is never sent. */
function cancelled(): ApiError {
  return new ApiError(
    503,
    'The request was cancelled: the client disconnected or the server is closing.',
    'server_error',
    null,
    'request_cancelled',
  );
}
