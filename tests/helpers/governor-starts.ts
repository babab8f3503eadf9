/** When each of `count` requests sent through a governor at once started, for pacing tests. */
import type { EndpointGovernor } from '../../src/providers/governor';

/** Milliseconds after the call at which each request (of `tokens` estimated tokens) started, sorted. */
export async function requestStarts(
  governor: EndpointGovernor,
  count: number,
  tokens = 1,
): Promise<number[]> {
  const starts: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: count }, () =>
      governor.run(tokens, async () => {
        starts.push(performance.now() - t0);
      }),
    ),
  );
  return starts.sort((a, b) => a - b);
}
