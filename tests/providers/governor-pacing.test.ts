/** The governor spaces requests evenly over its window, so a provider that enforces its ceiling over shorter periods sees no burst. */
import { EndpointGovernor } from '../../src/providers/governor';
import { SlidingWindowLimiter } from '../../src/model-server/request-limiter';
import { requestStarts } from '../helpers/governor-starts';

const EP = { baseURL: 'http://example.test/v1', model: 'm', apiKeyEnv: 'TEST_KEY' };

test('requests start windowMs / requestsPerMinute apart, not in a burst at the start of the window', async () => {
  const windowMs = 1000;
  const g = new EndpointGovernor(EP, { maxConcurrency: 50, requestsPerMinute: 10, windowMs });
  const starts = await requestStarts(g, 6);
  // A burst would start all six at once; paced, each starts a tenth of the window after the last.
  for (let i = 1; i < starts.length; i++)
    expect((starts[i] as number) - (starts[i - 1] as number)).toBeGreaterThanOrEqual(windowMs / 10 - 5);
  expect(starts[5]).toBeLessThan(windowMs * 2);
});

test('paced requests pass a provider that enforces the same ceiling over a tenth of the window (a burst would not)', async () => {
  const windowMs = 2000;
  // The provider allows 2 requests per 180 ms: about the per-window ceiling of 20, quantized (with
  // a little slack for timer granularity). A burst of 12 would see 10 refused.
  const provider = new SlidingWindowLimiter({ requests: 2, windowMs: 180 });
  const g = new EndpointGovernor(EP, { maxConcurrency: 50, requestsPerMinute: 20, windowMs });
  let refused = 0;
  await Promise.all(
    Array.from({ length: 12 }, () =>
      g.run(1, async () => {
        if (!provider.admit().ok) refused++;
      }),
    ),
  );
  expect(refused).toBe(0);
});
