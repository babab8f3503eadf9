/** The governor's circuit breaker: callers of an endpoint that is down wait instead of hammering it. */
import { EndpointGovernor } from '../../src/providers/governor';

const EP = { baseURL: 'http://example.test/v1', model: 'm' };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });

/** An endpoint that is down until `upAt` (ms from the start), recording every request it gets. */
function flakyEndpoint(upAt: number) {
  const start = Date.now();
  const calls: Array<{ at: number; inFlight: number }> = [];
  let inFlight = 0;
  const fn = async (): Promise<string> => {
    inFlight++;
    calls.push({ at: Date.now() - start, inFlight });
    try {
      await sleep(5);
      if (Date.now() - start < upAt) throw refused();
      return 'ok';
    } finally {
      inFlight--;
    }
  };
  return { fn, calls };
}

const options = { maxConcurrency: 8, maxAttempts: 1000, baseDelayMs: 10, maxDelayMs: 20 };

test('requests to an endpoint that is down back off together, one probe at a time, and resume when it is up', async () => {
  const outage = 1500;
  const withBreaker = new EndpointGovernor(EP, { ...options, circuitOpenMs: 100, circuitMaxMs: 400 });
  const down = flakyEndpoint(outage);
  const results = await Promise.all(Array.from({ length: 16 }, () => withBreaker.run(1, down.fn)));
  expect(results.every((r) => r === 'ok')).toBe(true);
  const during = down.calls.filter((c) => c.at < outage);
  // Once open, the endpoint sees single probes: 100, 200, 400, 400, … ms apart.
  const afterOpen = during.slice(during.findIndex((c, i) => i >= 8 && c.inFlight === 1));
  expect(afterOpen.length).toBeGreaterThan(2);
  expect(afterOpen.every((c) => c.inFlight === 1)).toBe(true);
  for (let i = 1; i < afterOpen.length; i++)
    expect(afterOpen[i]!.at - afterOpen[i - 1]!.at).toBeGreaterThanOrEqual(90);
  expect(during.length).toBeLessThan(30);
  const s = withBreaker.stats();
  expect(s.circuitOpenings).toBeGreaterThanOrEqual(3);
  expect(s.circuit).toBe('closed');

  // The same outage without the breaker (it never opens): every caller retries on its own.
  const without = new EndpointGovernor(EP, { ...options, circuitThreshold: Number.MAX_SAFE_INTEGER });
  const down2 = flakyEndpoint(outage);
  await Promise.all(Array.from({ length: 16 }, () => without.run(1, down2.fn)));
  expect(down2.calls.filter((c) => c.at < outage).length).toBeGreaterThan(5 * during.length);
});

test('a rejected request or a 500 for one request is an answer: it does not open the circuit', async () => {
  const g = new EndpointGovernor(EP, { ...options, maxAttempts: 1, circuitThreshold: 2 });
  const bad = Object.assign(new Error('bad request'), { status: 400 });
  const failed = Object.assign(new Error('output does not match the expected format'), { status: 500 });
  for (let i = 0; i < 5; i++) await expect(g.run(1, () => Promise.reject(bad))).rejects.toThrow(/400/);
  for (let i = 0; i < 5; i++) await expect(g.run(1, () => Promise.reject(failed))).rejects.toThrow(/500/);
  expect(g.stats()).toMatchObject({ circuitOpenings: 0, circuit: 'closed' });
  await expect(g.run(1, () => Promise.reject(refused()))).rejects.toThrow(/ECONNREFUSED/);
  await expect(g.run(1, () => Promise.reject(refused()))).rejects.toThrow(/ECONNREFUSED/);
  expect(g.stats()).toMatchObject({ circuitOpenings: 1, circuit: 'open' });
});

test('a caller cancelled while the circuit is open stops waiting at once', async () => {
  const g = new EndpointGovernor(EP, {
    ...options,
    maxAttempts: 1,
    circuitThreshold: 1,
    circuitOpenMs: 10_000,
  });
  await expect(g.run(1, () => Promise.reject(refused()))).rejects.toThrow();
  const ctrl = new AbortController();
  const started = Date.now();
  const waiting = g.run(1, async () => 'never', ctrl.signal);
  setTimeout(() => ctrl.abort(), 50);
  await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
  expect(Date.now() - started).toBeLessThan(2000);
});

test('an endpoint that stays down fails every waiting request after its attempts, counting the probes it waited through', async () => {
  const g = new EndpointGovernor(EP, { ...options, maxAttempts: 4, circuitOpenMs: 20, circuitMaxMs: 80 });
  const down = flakyEndpoint(Number.POSITIVE_INFINITY);
  const started = Date.now();
  const outcomes = await Promise.allSettled(Array.from({ length: 32 }, () => g.run(1, down.fn)));
  // Every request ends, with the endpoint's own error, instead of waiting on the circuit for good.
  expect(outcomes.every((o) => o.status === 'rejected' && /ECONNREFUSED/.test(String(o.reason)))).toBe(true);
  expect(Date.now() - started).toBeLessThan(5000);
  // Without the breaker each request makes its 4 attempts; with it, the first failures and a few probes.
  const without = new EndpointGovernor(EP, {
    ...options,
    maxAttempts: 4,
    circuitThreshold: Number.MAX_SAFE_INTEGER,
  });
  const down2 = flakyEndpoint(Number.POSITIVE_INFINITY);
  await Promise.allSettled(Array.from({ length: 32 }, () => without.run(1, down2.fn)));
  expect(down2.calls.length).toBe(32 * 4);
  expect(down.calls.length).toBeLessThan(down2.calls.length / 2);
});

test('a request that arrives while the circuit is open ends at the next failed probe', async () => {
  const g = new EndpointGovernor(EP, { ...options, maxAttempts: 5, circuitThreshold: 5, circuitOpenMs: 200 });
  const down = flakyEndpoint(Number.POSITIVE_INFINITY);
  await Promise.allSettled(Array.from({ length: 8 }, () => g.run(1, down.fn)));
  expect(g.stats().circuit).toBe('open');
  const started = Date.now();
  await expect(g.run(1, down.fn)).rejects.toThrow(/ECONNREFUSED/);
  // One probe at most (≤ 2 × 200 ms after the last opening), not five ever further apart.
  expect(Date.now() - started).toBeLessThan(1500);
});
