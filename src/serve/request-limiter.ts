/**
 * A provider-side request ceiling for the local model server: at most `requests` arrivals in any
 * sliding window of `windowMs`. Providers quantize their per-minute limits into shorter windows
 * (a burst of a whole minute's budget in one second is refused), so a benchmark can give this a
 * short window to check that a client paces its requests rather than bursting them.
 */

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
