/** The fault proxy as a provider stand-in for benchmarks: injected latency and a request ceiling. */
import { SlidingWindowLimiter } from '../../src/model-server/request-limiter';
import { useProxiedModelServer } from '../helpers/proxied-model-server';

describe('sliding-window request limit', () => {
  test('admits at most `requests` per window and says when the next slot frees', () => {
    let now = 1000;
    const limiter = new SlidingWindowLimiter({ requests: 2, windowMs: 100 }, () => now);
    expect(limiter.admit()).toEqual({ ok: true });
    now = 1040;
    expect(limiter.admit()).toEqual({ ok: true });
    now = 1050;
    // The first arrival (t=1000) leaves the window at t=1100.
    expect(limiter.admit()).toEqual({ ok: false, retryAfterMs: 50, limit: 2 });
    now = 1100;
    expect(limiter.admit()).toEqual({ ok: true });
    // Refused requests did not use up budget: the window holds 1040 and 1100 only.
    now = 1140;
    expect(limiter.admit()).toEqual({ ok: true });
  });

  test('rejects a ceiling that is not a whole number of requests', () => {
    expect(() => new SlidingWindowLimiter({ requests: 0 })).toThrow(/requests must be a whole number/);
    expect(() => new SlidingWindowLimiter({ requests: 2, windowMs: 0 })).toThrow(/windowMs must be > 0/);
  });
});

describe('fault proxy latency and rate limit', () => {
  const models = useProxiedModelServer();

  const post = (url: string) =>
    fetch(`${url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'local-policy', messages: [{ role: 'user', content: 'describe rain' }] }),
    });

  test('every response waits the injected latency, concurrently', async () => {
    const proxy = await models.proxy({ plan: { sequence: [] }, latencyMs: 300 });
    const t0 = performance.now();
    const one = await post(proxy.url);
    const single = performance.now() - t0;
    expect(one.status).toBe(200);
    expect(single).toBeGreaterThanOrEqual(295);
    const t1 = performance.now();
    const four = await Promise.all(Array.from({ length: 4 }, () => post(proxy.url)));
    const parallel = performance.now() - t1;
    expect(four.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    // Four requests waiting one after another would take 1200 ms.
    expect(parallel).toBeLessThan(900);
  });

  test('requests over the ceiling get a 429 with Retry-After and never reach the server', async () => {
    const proxy = await models.proxy({
      plan: { sequence: [] },
      rateLimit: { requests: 3, windowMs: 1500 },
    });
    const t0 = Date.now();
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 5; i++) {
      const r = await post(proxy.url);
      statuses.push(r.status);
      if (r.status === 429) refused = r;
      else await r.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const body = (await refused!.json()) as { error: { code: string } };
    expect(body.error.code).toBe('rate_limit_exceeded');
    const retryMs = Number(refused!.headers.get('retry-after-ms'));
    expect(retryMs).toBeGreaterThan(0);
    expect(retryMs).toBeLessThanOrEqual(1500);
    expect(Number(refused!.headers.get('retry-after'))).toBe(Math.ceil(retryMs / 1000));
    // Only admitted requests count as requests the provider served.
    expect(proxy.stats()).toMatchObject({ requests: 3, rateLimited: 2 });
    // Once the first arrival leaves the window, a request is admitted again.
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + 1550 - Date.now())));
    expect((await post(proxy.url)).status).toBe(200);
  });
});
