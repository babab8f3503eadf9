/**
 * One governor per endpoint per process: every caller of an endpoint (generation batches, judge
 * batches, evaluation) goes through the same bounded queue and the same per-minute budgets (requests
 * spaced evenly over the minute), so that concurrent activities on one worker do not each think they
 * own the rate limit. Each worker process has its own governors: workers sharing one provider
 * account must each get their share of its ceiling in their endpoint config. A 429 pauses
 * ALL callers until its Retry-After has passed (one caller hitting the limit means everyone is
 * about to), halves the concurrency limit (regrown one slot at a time as requests succeed), then
 * the request is retried. Transient errors retry with exponential backoff and jitter (so that
 * callers failed by one outage do not return in lockstep); permanent errors and cancellations
 * throw at once.
 */
import type { EndpointConfig } from './endpoint';
import { endpointKey } from './endpoint';
import { RequestAbortedError, classifyError, describeEndpoint, type EndpointIdentity } from './http-errors';

/** Options of a governor; the limits usually come from the EndpointConfig. */
export interface GovernorOptions {
  /** Most requests in flight at once. */
  maxConcurrency: number;
  /** Requests allowed per window (a minute unless `windowMs` says otherwise). */
  requestsPerMinute?: number;
  /** Estimated tokens allowed per window; a single larger request still goes when the window is empty. */
  tokensPerMinute?: number;
  /** Length of the sliding budget window, ms (default 60000; tests shrink it). */
  windowMs?: number;
  /**
   * Requests are spaced (1 + paceMargin) × windowMs / requestsPerMinute apart (default 0.02):
   * spaced at exactly the ceiling, a request delayed a few ms on its way lands in the provider's
   * window together with the one a window later, and draws a 429.
   */
  paceMargin?: number;
  /** Attempts per request for transient errors (5xx, timeouts, resets), first attempt included (default 5). */
  maxAttempts?: number;
  /** 429s tolerated per request before giving up (default 30): rate limits are expected, faults are not. */
  maxRateLimitRetries?: number;
  /** First backoff delay, ms (default 500); doubles per attempt up to `maxDelayMs` (default 30000). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Pause after a 429 that carries no Retry-After, ms (default: the current backoff delay). */
  defaultRetryAfterMs?: number;
  /**
   * Failures in a row to reach the endpoint (refused or reset connections, timeouts, 502/503/504)
   * that open the circuit (default 5): the endpoint is taken to be down, and requests wait instead
   * of being sent. Answers, errors included (a 500 for one request, a 429), close it.
   */
  circuitThreshold?: number;
  /** How long the circuit stays open first, ms (default 1000); doubled by each failed probe up to `circuitMaxMs` (default 30000). */
  circuitOpenMs?: number;
  circuitMaxMs?: number;
  /** Sources of time and randomness, injectable for tests. */
  now?: () => number;
  random?: () => number;
}

/** Counters of one governor since it was created. */
export interface GovernorStats {
  /** Attempts sent to the endpoint (retries included). */
  requests: number;
  succeeded: number;
  /** Attempts that were retries of an earlier attempt. */
  retries: number;
  rateLimited: number;
  transientErrors: number;
  permanentErrors: number;
  /** Tokens charged to the budget (actual usage when reported, else the estimate). */
  tokens: number;
  /** Highest number of requests in flight at once. */
  maxInFlight: number;
  /** Current concurrency limit: halved by each 429, regrown by one per limit-many successes. */
  concurrencyLimit: number;
  /** Times the circuit opened (the endpoint looked down), and its state now. */
  circuitOpenings: number;
  circuit: 'closed' | 'open' | 'half-open';
}

/** What a governed request function receives. */
export interface AttemptContext {
  /** 1 for the first attempt. */
  attempt: number;
  signal?: AbortSignal;
}

/** Resolves after `ms`, or rejects with a RequestAbortedError when the signal fires. */
export function abortableSleep(ms: number, signal: AbortSignal | undefined, where: string): Promise<void> {
  if (signal?.aborted) return Promise.reject(new RequestAbortedError(`wait for ${where} cancelled`, where));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new RequestAbortedError(`wait for ${where} cancelled`, where));
    };
    const t = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** Bounded concurrency, shared per-window budgets, and the retry policy of one endpoint. */
export class EndpointGovernor {
  private readonly opts: Required<
    Omit<GovernorOptions, 'requestsPerMinute' | 'tokensPerMinute' | 'defaultRetryAfterMs'>
  > &
    Pick<GovernorOptions, 'requestsPerMinute' | 'tokensPerMinute' | 'defaultRetryAfterMs'>;
  private readonly where: string;
  private inFlight = 0;
  /** Adaptive concurrency limit (AIMD), at most maxConcurrency. */
  private limit: number;
  private successStreak = 0;
  private readonly queue: Waiter[] = [];
  /** Requests started inside the current window: [time, tokens]. */
  private readonly window: Array<{ at: number; tokens: number }> = [];
  /** No request starts before this time (set by 429s). */
  private pausedUntil = 0;
  /** With a request budget, the earliest start of the next request (see acquireBudget). */
  private nextStartAt = 0;
  private readonly counters: GovernorStats = {
    requests: 0,
    succeeded: 0,
    retries: 0,
    rateLimited: 0,
    transientErrors: 0,
    permanentErrors: 0,
    tokens: 0,
    maxInFlight: 0,
    concurrencyLimit: 0,
    circuitOpenings: 0,
    circuit: 'closed',
  };
  /**
   * The circuit breaker. Closed: requests flow. Open (after `circuitThreshold` failures in a row
   * to reach the endpoint): nobody sends until `circuitUntil`. Half-open: one caller sends a probe while the
   * others wait; its success closes the circuit, its failure opens it again for twice as long.
   * Without it, every caller of a dead endpoint retries on its own backoff, and together they
   * hammer it (dozens of failed requests a second from one worker).
   */
  private circuit: 'closed' | 'open' | 'half-open' = 'closed';
  private failuresInRow = 0;
  private circuitUntil = 0;
  private circuitOpenFor = 0;
  private circuitChanged: { promise: Promise<void>; resolve: () => void } = deferred();
  /** Probes that failed so far, and the last one's error (what waiting requests fail with). */
  private failedProbes = 0;
  private lastProbeError: Error | undefined;

  constructor(
    readonly endpoint: EndpointIdentity,
    options: GovernorOptions,
  ) {
    if (!(options.maxConcurrency >= 1)) throw new Error(`governor: maxConcurrency must be ≥ 1`);
    this.opts = {
      windowMs: 60_000,
      paceMargin: 0.02,
      maxAttempts: 5,
      maxRateLimitRetries: 30,
      baseDelayMs: 500,
      maxDelayMs: 30_000,
      circuitThreshold: 5,
      circuitOpenMs: 1000,
      circuitMaxMs: 30_000,
      now: Date.now,
      random: Math.random,
      ...options,
    };
    this.where = describeEndpoint(endpoint);
    this.limit = this.opts.maxConcurrency;
  }

  /** A copy of the counters. */
  stats(): GovernorStats {
    return { ...this.counters, concurrencyLimit: this.limit, circuit: this.circuit };
  }

  private setCircuit(state: 'closed' | 'open' | 'half-open'): void {
    this.circuit = state;
    const changed = this.circuitChanged;
    this.circuitChanged = deferred();
    changed.resolve();
  }

  /**
   * Waits until the circuit lets this request through; true when it goes as the half-open probe.
   */
  private async passCircuit(
    signal: AbortSignal | undefined,
    failuresSoFar: number,
    maxAttempts: number,
  ): Promise<{ probe: boolean; failures: number }> {
    const start = this.failedProbes;
    // Arriving at an open circuit, a request shares the failures in a row that opened it: it ends
    // at the next failed probe instead of waiting through `maxAttempts` more, ever further apart.
    const failedBefore =
      this.circuit === 'closed'
        ? failuresSoFar
        : Math.max(failuresSoFar, Math.min(this.failuresInRow, maxAttempts - 1));
    for (;;) {
      if (signal?.aborted)
        throw new RequestAbortedError(`request to ${this.where} was cancelled`, this.where);
      // A probe that fails while this request waits is a failure of this request too: requests
      // end after as many failures, and as long, as without the breaker, but send one probe.
      const failedProbes = this.failedProbes - start;
      if (failedProbes > 0 && failedBefore + failedProbes >= maxAttempts && this.lastProbeError)
        throw this.lastProbeError;
      if (this.circuit === 'closed') return { probe: false, failures: failedBefore + failedProbes };
      const now = this.opts.now();
      if (this.circuit === 'open' && now >= this.circuitUntil) {
        this.setCircuit('half-open');
        return { probe: true, failures: failedBefore + failedProbes };
      }
      const change = this.circuitChanged.promise;
      if (this.circuit === 'open') {
        await Promise.race([change, abortableSleep(this.circuitUntil - now, signal, this.where)]);
      } else {
        await Promise.race([change, abortableSleep(this.opts.circuitMaxMs, signal, this.where)]);
      }
    }
  }

  /** A probe that was cancelled proves nothing: the next waiting caller probes instead. */
  private abandonProbe(): void {
    if (this.circuit !== 'half-open') return;
    this.circuitUntil = 0;
    this.setCircuit('open');
  }

  private circuitSuccess(): void {
    this.failuresInRow = 0;
    if (this.circuit !== 'closed') {
      this.circuitOpenFor = 0;
      this.setCircuit('closed');
    }
  }

  private circuitFailure(probe: boolean, err: Error): void {
    this.failuresInRow++;
    if (probe) {
      this.failedProbes++;
      this.lastProbeError = err;
    }
    if (!probe && (this.circuit !== 'closed' || this.failuresInRow < this.opts.circuitThreshold)) return;
    this.circuitOpenFor = probe
      ? Math.min(this.opts.circuitMaxMs, Math.max(this.opts.circuitOpenMs, this.circuitOpenFor * 2))
      : this.opts.circuitOpenMs;
    this.circuitUntil = this.opts.now() + this.circuitOpenFor;
    this.counters.circuitOpenings++;
    this.setCircuit('open');
  }

  /**
   * Runs `fn` under the governor: waits for a concurrency slot and budget, retries what is
   * retryable, and throws a classified EndpointError otherwise. `usedTokens` (optional) turns the
   * result into actual token usage, which replaces the estimate in the budget. `maxAttempts`
   * overrides the governor's for this request (a caller that will vary the request itself when
   * it keeps failing wants fewer identical attempts).
   */
  async run<T>(
    estimatedTokens: number,
    fn: (ctx: AttemptContext) => Promise<T>,
    signal?: AbortSignal,
    usedTokens?: (result: T) => number,
    maxAttempts: number = this.opts.maxAttempts,
  ): Promise<T> {
    let transientFailures = 0;
    let rateLimits = 0;
    for (let attempt = 1; ; attempt++) {
      const passed = await this.passCircuit(signal, transientFailures, maxAttempts);
      const probe = passed.probe;
      transientFailures = passed.failures;
      try {
        await this.acquireSlot(signal);
      } catch (e) {
        if (probe) this.abandonProbe();
        throw e;
      }
      let holding = true;
      const release = (): void => {
        if (holding) {
          holding = false;
          this.releaseSlot();
        }
      };
      try {
        const entry = await this.acquireBudget(Math.max(0, estimatedTokens), signal);
        this.counters.requests++;
        if (attempt > 1) this.counters.retries++;
        const result = await fn({ attempt, signal });
        this.counters.succeeded++;
        this.onSuccess();
        this.circuitSuccess();
        if (usedTokens) {
          const used = usedTokens(result);
          if (Number.isFinite(used) && used >= 0) {
            this.counters.tokens += used - entry.tokens;
            entry.tokens = used;
          }
        }
        return result;
      } catch (raw) {
        if (signal?.aborted) {
          // A cancelled probe proves nothing: let another caller probe.
          if (probe) this.abandonProbe();
          throw new RequestAbortedError(`request to ${this.where} was cancelled`, this.where);
        }
        const err = classifyError(raw, this.endpoint);
        // Only an endpoint that cannot be reached counts against the circuit: one that answers,
        // even with a 429, a 400 or a 500 for this particular request, is up.
        if ((err as { unreachable?: boolean }).unreachable === true) this.circuitFailure(probe, err);
        else this.circuitSuccess();
        if (err.name === 'RateLimitedError') {
          this.counters.rateLimited++;
          rateLimits++;
          if (rateLimits > this.opts.maxRateLimitRetries) throw err;
          const ra = (err as { retryAfterMs?: number }).retryAfterMs;
          const wait = ra ?? this.opts.defaultRetryAfterMs ?? this.backoff(rateLimits);
          this.pausedUntil = Math.max(this.pausedUntil, this.opts.now() + wait);
          // Multiplicative decrease: fewer requests in flight once the pause is over.
          this.limit = Math.max(1, Math.floor(this.limit / 2));
          this.successStreak = 0;
          continue;
        }
        if (!err.retryable) {
          if (err.name !== 'AbortError') this.counters.permanentErrors++;
          throw err;
        }
        this.counters.transientErrors++;
        transientFailures++;
        if (transientFailures >= maxAttempts) throw err;
        // Back off outside the slot, so that other callers keep the endpoint busy meanwhile.
        release();
        await abortableSleep(this.backoff(transientFailures), signal, this.where);
      } finally {
        release();
      }
    }
  }

  /** Exponential backoff with jitter: uniform in [0.5, 1] × min(max, base · 2^(n−1)). */
  private backoff(n: number): number {
    const cap = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** Math.max(0, n - 1));
    return cap * (0.5 + 0.5 * this.opts.random());
  }

  private acquireSlot(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted)
      return Promise.reject(new RequestAbortedError(`request to ${this.where} was cancelled`, this.where));
    if (this.inFlight < this.limit && this.queue.length === 0) {
      this.take();
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = { resolve, reject, signal };
      if (signal) {
        w.onAbort = () => {
          const i = this.queue.indexOf(w);
          if (i >= 0) this.queue.splice(i, 1);
          reject(new RequestAbortedError(`request to ${this.where} was cancelled`, this.where));
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.queue.push(w);
    });
  }

  private take(): void {
    this.inFlight++;
    this.counters.maxInFlight = Math.max(this.counters.maxInFlight, this.inFlight);
  }

  private releaseSlot(): void {
    this.inFlight--;
    this.drain();
  }

  /** Hands free slots to waiting callers, oldest first. */
  private drain(): void {
    while (this.inFlight < this.limit && this.queue.length > 0) {
      const next = this.queue.shift() as Waiter;
      if (next.onAbort) next.signal?.removeEventListener('abort', next.onAbort);
      this.take();
      next.resolve();
    }
  }

  /** Additive increase: one more slot after as many successes in a row as the current limit. */
  private onSuccess(): void {
    if (this.limit >= this.opts.maxConcurrency) return;
    if (++this.successStreak >= this.limit) {
      this.limit++;
      this.successStreak = 0;
      this.drain();
    }
  }

  /** Waits out any 429 pause and the per-window budgets, then records the request in the window. */
  private async acquireBudget(tokens: number, signal?: AbortSignal): Promise<{ at: number; tokens: number }> {
    const { requestsPerMinute: rpm, tokensPerMinute: tpm, windowMs } = this.opts;
    for (;;) {
      const now = this.opts.now();
      if (now < this.pausedUntil) {
        await abortableSleep(this.pausedUntil - now, signal, this.where);
        continue;
      }
      while (this.window.length > 0 && (this.window[0] as { at: number }).at <= now - windowMs)
        this.window.shift();
      // Requests are spaced evenly (windowMs / rpm apart) instead of sent in a burst at the start
      // of each window: providers enforce per-minute ceilings over shorter periods (OpenAI: "60,000
      // requests/minute may be enforced as 1,000 requests/second"), so a burst meets 429s.
      if (rpm !== undefined && now < this.nextStartAt) {
        await abortableSleep(this.nextStartAt - now, signal, this.where);
        continue;
      }
      const used = this.window.reduce((a, e) => a + e.tokens, 0);
      const rpmOk = rpm === undefined || this.window.length < rpm;
      const tpmOk = tpm === undefined || this.window.length === 0 || used + tokens <= tpm;
      if (rpmOk && tpmOk) {
        if (rpm !== undefined) this.nextStartAt = now + ((1 + this.opts.paceMargin) * windowMs) / rpm;
        const entry = { at: now, tokens };
        this.window.push(entry);
        this.counters.tokens += tokens;
        return entry;
      }
      // Wait until enough of the window has expired: the oldest entry for requests; for tokens,
      // the first entry whose expiry frees enough budget.
      let until = (this.window[0] as { at: number }).at + windowMs;
      if (rpmOk && !tpmOk && tpm !== undefined) {
        let freed = 0;
        for (const e of this.window) {
          freed += e.tokens;
          until = e.at + windowMs;
          if (used - freed + tokens <= tpm) break;
        }
      }
      await abortableSleep(Math.max(1, until - now), signal, this.where);
    }
  }
}

const registry = new Map<string, EndpointGovernor>();

/**
 * The process-wide governor of an endpoint (keyed by baseURL and model), created on first use
 * from the endpoint's limits. Later calls return the same governor whatever their options.
 */
export function governorFor(
  cfg: Pick<EndpointConfig, 'baseURL' | 'model' | 'apiKeyEnv' | 'maxConcurrency'> &
    Partial<Pick<EndpointConfig, 'requestsPerMinute' | 'tokensPerMinute'>>,
  overrides: Partial<GovernorOptions> = {},
): EndpointGovernor {
  const key = endpointKey(cfg);
  let g = registry.get(key);
  if (!g) {
    g = new EndpointGovernor(
      { baseURL: cfg.baseURL, model: cfg.model, apiKeyEnv: cfg.apiKeyEnv },
      {
        maxConcurrency: cfg.maxConcurrency,
        requestsPerMinute: cfg.requestsPerMinute,
        tokensPerMinute: cfg.tokensPerMinute,
        ...overrides,
      },
    );
    registry.set(key, g);
  }
  return g;
}

/** Forgets every governor (tests; a worker keeps its governors for its lifetime). */
export function resetGovernors(): void {
  registry.clear();
}
