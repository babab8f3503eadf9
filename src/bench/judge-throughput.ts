/**
 * LLM-judge throughput against the local model server behind the fault proxy, which adds a fixed
 * per-request latency and enforces a provider-style request ceiling (429 + Retry-After beyond it).
 * The judge path is the real one: `judgeEachPair` over `OpenAIPairwiseJudge` (both orders, one
 * request each) through an endpoint governor configured from the endpoint config, as a worker
 * builds it. Three measurements:
 *
 * - at a `requestsPerMinute` ceiling: achieved rate / ceiling, and every 429 or failed request;
 * - without a ceiling, by the endpoint's `maxConcurrency` (latency-bound: c / latency at best);
 * - two workers (two governors, as two processes have) on one provider ceiling: each configured
 *   with the whole ceiling, and each with half of it.
 */
import { EndpointGovernor } from '../providers/governor';
import { parseEndpointConfig, type EndpointConfigInput } from '../providers/endpoint';
import { judgeEachPair, type PairInput } from '../judges/judge-pairs';
import { OpenAIPairwiseJudge } from '../judges/llm-judge';
import { startFaultProxy } from '../../devtools/fault-proxy';
import { LOCAL_MODELS, startLocalModelServer } from '../model-server/local-model-server';

/** What the benchmark is configured with. */
export interface JudgeThroughputOptions {
  /** Pairs to judge; the measurements take disjoint slices, so no answer is ever reused. */
  pairs: PairInput[];
  latencyMs: number;
  /** The provider's ceiling and the endpoint's `requestsPerMinute`. */
  requestsPerMinute: number;
  /** The provider enforces its per-minute ceiling over windows this long (OpenAI quantizes too). */
  enforcedWindowMs: number;
  /** Seconds each ceiling measurement should last (sets how many pairs it judges). */
  ceilingSeconds: number;
  /** Seconds each concurrency step should last. */
  stepSeconds: number;
  concurrencies: number[];
  /** The endpoint's maxConcurrency for the ceiling and two-worker measurements. */
  maxConcurrency: number;
}

/** One measurement: requests sent, seconds, the rate, and everything that went wrong. */
export interface ThroughputRun {
  requests: number;
  seconds: number;
  requestsPerMinute: number;
  /** 429s the provider sent (all governors). */
  rateLimited: number;
  /** Transient and permanent errors the governors saw, plus pairs that became dead letters. */
  failed: number;
  pairs: number;
}

export interface JudgeThroughputFigures {
  ceiling: ThroughputRun & { ratio: number };
  byConcurrency: Array<ThroughputRun & { concurrency: number }>;
  twoWorkersFullCeiling: ThroughputRun & { ratio: number };
  twoWorkersHalfCeiling: ThroughputRun & { ratio: number };
}

export async function measureJudgeThroughput(opts: JudgeThroughputOptions): Promise<JudgeThroughputFigures> {
  const server = await startLocalModelServer();
  let next = 0;
  /** The next `n` unused pairs. */
  const take = (n: number): PairInput[] => {
    if (next + n > opts.pairs.length)
      throw new Error(`judge throughput: needs ${next + n} distinct pairs, was given ${opts.pairs.length}`);
    const slice = opts.pairs.slice(next, next + n);
    next += n;
    return slice;
  };

  /** Judges one slice per worker concurrently, each worker with its own governor, through one provider. */
  const run = async (
    workers: Array<{ pairs: number; endpoint: Omit<EndpointConfigInput, 'baseURL' | 'model'> }>,
    limited: boolean,
  ): Promise<ThroughputRun> => {
    const proxy = await startFaultProxy({
      target: server.url,
      plan: { sequence: [] },
      latencyMs: opts.latencyMs,
      ...(limited
        ? {
            rateLimit: {
              requests: Math.max(1, Math.round((opts.requestsPerMinute * opts.enforcedWindowMs) / 60_000)),
              windowMs: opts.enforcedWindowMs,
            },
          }
        : {}),
    });
    try {
      const setups = workers.map((w) => {
        const endpoint = parseEndpointConfig({
          baseURL: proxy.url,
          model: LOCAL_MODELS.judge,
          ...w.endpoint,
        });
        // What governorFor builds from the endpoint config, one per worker process.
        const governor = new EndpointGovernor(endpoint, {
          maxConcurrency: endpoint.maxConcurrency,
          requestsPerMinute: endpoint.requestsPerMinute,
        });
        return { judge: new OpenAIPairwiseJudge(endpoint, {}, { governor }), governor, pairs: take(w.pairs) };
      });
      const t0 = performance.now();
      const results = await Promise.all(
        setups.map((s) => judgeEachPair(s.judge, s.pairs, { concurrency: 64 })),
      );
      const seconds = (performance.now() - t0) / 1000;
      const stats = setups.map((s) => s.governor.stats());
      // Answered requests: a 429 is an attempt the provider refused, not throughput.
      const requests = stats.reduce((n, s) => n + s.succeeded, 0);
      return {
        requests,
        seconds,
        requestsPerMinute: (requests / seconds) * 60,
        rateLimited: proxy.stats().rateLimited,
        failed:
          stats.reduce((n, s) => n + s.transientErrors + s.permanentErrors, 0) +
          results.reduce((n, r) => n + r.deadLetters.length, 0),
        pairs: results.reduce((n, r) => n + r.rows.length, 0),
      };
    } finally {
      await proxy.close();
    }
  };

  try {
    const rpm = opts.requestsPerMinute;
    // Two requests per pair (both orders); the ceiling decides the time.
    const ceilingPairs = Math.round((rpm / 60) * opts.ceilingSeconds * 0.5);
    const ratio = (r: ThroughputRun) => ({ ...r, ratio: r.requestsPerMinute / rpm });
    const ceiling = ratio(
      await run(
        [{ pairs: ceilingPairs, endpoint: { maxConcurrency: opts.maxConcurrency, requestsPerMinute: rpm } }],
        true,
      ),
    );
    const byConcurrency: JudgeThroughputFigures['byConcurrency'] = [];
    for (const c of opts.concurrencies) {
      // At best c requests per latency; size the slice to last about stepSeconds.
      const pairs = Math.max(2, Math.round(((c * 1000) / opts.latencyMs) * opts.stepSeconds * 0.5));
      byConcurrency.push({
        concurrency: c,
        ...(await run([{ pairs, endpoint: { maxConcurrency: c } }], false)),
      });
    }
    const half = Math.round(ceilingPairs / 2);
    const twoWorkersFullCeiling = ratio(
      await run(
        [0, 1].map(() => ({
          pairs: half,
          endpoint: { maxConcurrency: opts.maxConcurrency, requestsPerMinute: rpm },
        })),
        true,
      ),
    );
    const twoWorkersHalfCeiling = ratio(
      await run(
        [0, 1].map(() => ({
          pairs: half,
          endpoint: { maxConcurrency: opts.maxConcurrency, requestsPerMinute: rpm / 2 },
        })),
        true,
      ),
    );
    return { ceiling, byConcurrency, twoWorkersFullCeiling, twoWorkersHalfCeiling };
  } finally {
    await server.close();
  }
}
