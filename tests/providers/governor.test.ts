import { APIError } from 'openai';
import { EndpointGovernor, governorFor, resetGovernors } from '../../src/providers/governor';
import { RateLimitedError } from '../../src/providers/http-errors';
import { requestStarts } from '../helpers/governor-starts';

const EP = { baseURL: 'http://example.test/v1', model: 'm', apiKeyEnv: 'TEST_KEY' };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('EndpointGovernor', () => {
  test('never has more requests in flight than maxConcurrency', async () => {
    const g = new EndpointGovernor(EP, { maxConcurrency: 3 });
    let inFlight = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        g.run(1, async () => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          await sleep(15);
          inFlight--;
          return i;
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(peak).toBe(3);
    expect(g.stats()).toMatchObject({ requests: 12, succeeded: 12, maxInFlight: 3 });
  });

  test('paces requests to the per-window budget, shared by all callers', async () => {
    const windowMs = 400;
    const g = new EndpointGovernor(EP, { maxConcurrency: 50, requestsPerMinute: 4, windowMs });
    const starts = await requestStarts(g, 10);
    // In any window only 4 starts: the (i+4)-th start is at least one window after the i-th.
    for (let i = 0; i + 4 < starts.length; i++) {
      expect((starts[i + 4] as number) - (starts[i] as number)).toBeGreaterThanOrEqual(windowMs - 15);
    }
    // 10 requests at 4 per window need at least two full windows (and, even on a loaded machine, not ten).
    expect(starts[9]).toBeGreaterThanOrEqual(2 * windowMs - 15);
    expect(starts[9]).toBeLessThan(10 * windowMs);
  });

  test('a token budget holds back requests that would exceed it', async () => {
    const windowMs = 250;
    const g = new EndpointGovernor(EP, { maxConcurrency: 50, tokensPerMinute: 100, windowMs });
    const starts = await requestStarts(g, 4, 60);
    // 60 + 60 > 100: one request per window.
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(windowMs - 15);
    expect(starts[3]).toBeGreaterThanOrEqual(3 * windowMs - 15);
    expect(g.stats().tokens).toBe(240);
  });

  test('a 429 pauses every caller until Retry-After has passed, then retries', async () => {
    const g = new EndpointGovernor(EP, { maxConcurrency: 4 });
    const t0 = Date.now();
    let first = true;
    const attempts: Array<{ who: string; at: number }> = [];
    const limited = g.run(1, async ({ attempt }) => {
      attempts.push({ who: 'limited', at: Date.now() - t0 });
      if (first) {
        first = false;
        throw APIError.generate(
          429,
          { error: { message: 'slow down' } },
          'slow down',
          new Headers({ 'retry-after-ms': '300' }),
        );
      }
      return attempt;
    });
    await sleep(30);
    // A second caller arriving during the pause waits too.
    const other = g.run(1, async () => {
      attempts.push({ who: 'other', at: Date.now() - t0 });
      return 'ok';
    });
    expect(await limited).toBe(2);
    expect(await other).toBe('ok');
    const retry = attempts.filter((a) => a.who === 'limited')[1]!;
    const otherStart = attempts.find((a) => a.who === 'other')!;
    expect(retry.at).toBeGreaterThanOrEqual(295);
    expect(otherStart.at).toBeGreaterThanOrEqual(295);
    expect(g.stats()).toMatchObject({ rateLimited: 1, retries: 1, succeeded: 2 });
  });

  test('a 429 halves the concurrency limit, which grows back as requests succeed', async () => {
    const g = new EndpointGovernor(EP, { maxConcurrency: 8, defaultRetryAfterMs: 1 });
    let n = 0;
    await g.run(1, async () => {
      if (n++ === 0) throw APIError.generate(429, undefined, 'limited', new Headers());
    });
    expect(g.stats().concurrencyLimit).toBe(4);
    let inFlight = 0;
    let peak = 0;
    const task = async (): Promise<void> => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await sleep(5);
      inFlight--;
    };
    await Promise.all(Array.from({ length: 8 }, () => g.run(1, task)));
    expect(peak).toBeLessThanOrEqual(6);
    await Promise.all(Array.from({ length: 60 }, () => g.run(1, task)));
    expect(g.stats().concurrencyLimit).toBe(8);
  });

  test('Retry-After in seconds is honoured', async () => {
    const g = new EndpointGovernor(EP, { maxConcurrency: 1 });
    const t0 = Date.now();
    let n = 0;
    await g.run(1, async () => {
      if (n++ === 0)
        throw APIError.generate(429, undefined, 'limited', new Headers({ 'retry-after': '0.4' }));
    });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(395);
  });

  test('permanent errors are thrown at once, not retried', async () => {
    const g = new EndpointGovernor(EP, { maxConcurrency: 2, baseDelayMs: 1 });
    for (const status of [400, 401, 403, 404]) {
      let calls = 0;
      const err = await g
        .run(1, async () => {
          calls++;
          throw APIError.generate(status, { error: { message: 'no' } }, 'no', new Headers());
        })
        .catch((e: unknown) => e as Error);
      expect(calls).toBe(1);
      expect((err as Error).name).toBe('EndpointConfigError');
    }
    expect(g.stats()).toMatchObject({ permanentErrors: 4, retries: 0 });
  });

  test('transient errors retry with backoff up to maxAttempts', async () => {
    const g = new EndpointGovernor(EP, {
      maxConcurrency: 1,
      maxAttempts: 3,
      baseDelayMs: 20,
      random: () => 1,
    });
    let calls = 0;
    const t0 = Date.now();
    const err = await g
      .run(1, async () => {
        calls++;
        throw APIError.generate(503, undefined, 'busy', new Headers());
      })
      .catch((e: unknown) => e as Error);
    expect(calls).toBe(3);
    expect(err.name).toBe('TransientEndpointError');
    // Backoff 20 ms then 40 ms.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(58);

    calls = 0;
    const ok = await g.run(1, async () => {
      if (++calls < 3) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      return 'done';
    });
    expect(ok).toBe('done');
  });

  test('a 429 storm beyond maxRateLimitRetries surfaces as RateLimitedError', async () => {
    const g = new EndpointGovernor(EP, { maxConcurrency: 1, maxRateLimitRetries: 2, defaultRetryAfterMs: 5 });
    let calls = 0;
    const err = await g
      .run(1, async () => {
        calls++;
        throw new RateLimitedError('limited', 'x', undefined);
      })
      .catch((e: unknown) => e as Error);
    expect(calls).toBe(3);
    expect(err.name).toBe('RateLimitedError');
  });

  test('cancellation stops waiting callers', async () => {
    const g = new EndpointGovernor(EP, { maxConcurrency: 1 });
    const blocker = g.run(1, () => sleep(100));
    const ac = new AbortController();
    const waiting = g.run(1, async () => 'never', ac.signal);
    ac.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    await blocker;
    expect(g.stats().requests).toBe(1);
  });

  test('one governor per endpoint per process', () => {
    resetGovernors();
    const cfg = { ...EP, maxConcurrency: 2 };
    expect(governorFor(cfg)).toBe(governorFor({ ...cfg, baseURL: `${EP.baseURL}/` }));
    expect(governorFor(cfg)).not.toBe(governorFor({ ...cfg, model: 'other' }));
    resetGovernors();
  });
});
