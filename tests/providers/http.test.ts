/**
 * The OpenAI-compatible clients against real HTTP: the project's local model server (real models
 * behind the OpenAI protocol) and the fault proxy in front of it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createLocalJudge } from '../../src/judges/create';
import { createLLMJudges } from '../../src/judges/create-llm';
import {
  judgeEachPair,
  pairResponses,
  scoreEachResponse,
  type PairInput,
} from '../../src/judges/judge-pairs';
import { DeadLetterSet, JudgmentLedger } from '../../src/judges/ledger';
import { OpenAIPairwiseJudge, OpenAIScoringJudge } from '../../src/judges/llm-judge';
import { parseEndpointConfig, type EndpointConfigInput } from '../../src/providers/endpoint';
import { EndpointGovernor } from '../../src/providers/governor';
import { OpenAIGenerator } from '../../src/providers/openai-generator';
import { startFaultProxy, type FaultPlan } from '../../devtools/fault-proxy';
import { startLocalModelServer, type LocalModelServer } from '../../src/model-server/local-model-server';
import { demoPrompts } from '../../src/demo/world';
import type { ResponseRow } from '../../src/stages/types';

const local = createLocalJudge(); // the served judge's defaults: positionBias −1, sharpness 1.5
const tmpDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'http-judge-'));

let server: LocalModelServer;
let responses: ResponseRow[];
let pairs: PairInput[];

/** A config and a private governor (small backoff), so tests do not share the process registry. */
function endpoint(
  url: string,
  model: string,
  extra: Partial<EndpointConfigInput> = {},
  gov: Record<string, number> = {},
) {
  const cfg = parseEndpointConfig({ baseURL: url, model, ...extra });
  return {
    cfg,
    governor: new EndpointGovernor(cfg, {
      maxConcurrency: cfg.maxConcurrency,
      baseDelayMs: 10,
      maxDelayMs: 100,
      ...gov,
    }),
  };
}

beforeAll(async () => {
  server = await startLocalModelServer({ port: 0 });
  const { cfg, governor } = endpoint(server.url, 'local-policy', { temperature: 1, maxTokens: 10 });
  const gen = new OpenAIGenerator(cfg, { governor });
  const out = await gen.generate(demoPrompts(3, 8, 'train'), { samplesPerPrompt: 4, seed: 11 });
  responses = out.rows;
  pairs = pairResponses(responses);
});

afterAll(async () => {
  await server?.close();
});

describe('OpenAIGenerator against the local model server', () => {
  test('samples per prompt with endpoint logprobs, reproducible from the seed', async () => {
    expect(responses).toHaveLength(32);
    expect(
      responses.every((r) => r.logprobSource === 'endpoint' && r.logprob < 0 && Number.isFinite(r.logprob)),
    ).toBe(true);
    expect(responses.filter((r) => r.response.length > 0).length).toBeGreaterThan(28);
    const { cfg, governor } = endpoint(server.url, 'local-policy', {
      temperature: 1,
      maxTokens: 10,
      parallelSamples: true,
    });
    const again = await new OpenAIGenerator(cfg, { governor }).generate(demoPrompts(3, 2, 'train'), {
      samplesPerPrompt: 3,
      seed: 11,
    });
    const twice = await new OpenAIGenerator(cfg, { governor }).generate(demoPrompts(3, 2, 'train'), {
      samplesPerPrompt: 3,
      seed: 11,
    });
    expect(again.rows.map((r) => r.response)).toEqual(twice.rows.map((r) => r.response));
    expect(governor.stats().requests).toBe(12);
    expect(again.usage.requests).toBe(6);
    expect(again.usage.completionTokens).toBeGreaterThan(0);
  });

  test('completions style works too', async () => {
    const { cfg, governor } = endpoint(server.url, 'local-policy', { style: 'completions', maxTokens: 8 });
    const out = await new OpenAIGenerator(cfg, { governor }).generate(demoPrompts(5, 2, 'eval'), {
      samplesPerPrompt: 2,
      seed: 1,
    });
    expect(out.rows).toHaveLength(4);
    expect(out.rows.every((r) => r.logprobSource === 'endpoint')).toBe(true);
  });
});

describe('OpenAIPairwiseJudge against the local judge', () => {
  test('soft labels equal the local judge’s p in each order (position bias included)', async () => {
    const { cfg, governor } = endpoint(server.url, 'local-judge');
    const judge = new OpenAIPairwiseJudge(cfg, {}, { governor });
    for (const p of pairs.slice(0, 8)) {
      const ab = await judge.compare(p.prompt, p.a, p.b);
      const ba = await judge.compare(p.prompt, p.b, p.a);
      if (!ab.ok || !ba.ok) throw new Error(`judge failed on ${p.id}`);
      expect(ab.source).toBe('logprobs');
      expect(ab.p).toBeCloseTo(local.compare(p.prompt, p.a, p.b), 6);
      expect(ba.p).toBeCloseTo(local.compare(p.prompt, p.b, p.a), 6);
    }
  });

  test('position bias flips with the order; the both-order label is unbiased', async () => {
    const { cfg, governor } = endpoint(server.url, 'local-judge');
    const judge = new OpenAIPairwiseJudge(cfg, {}, { governor });
    const prompt = 'describe the ocean at night';
    // Equal quality: the biased judge prefers whichever is second, in both orders.
    const tie: PairInput = {
      id: 't',
      promptId: 't',
      prompt,
      aId: 'a',
      bId: 'b',
      a: 'wave tide coral',
      b: 'coral tide wave',
    };
    const r = await judgeEachPair(judge, [tie, ...pairs]);
    const t = r.rows.find((x) => x.id === 't')!;
    expect(t.pAB).toBeLessThan(0.5);
    expect(t.pBA).toBeLessThan(0.5);
    expect(t.flipped).toBe(true);
    expect(t.p).toBeCloseTo(0.5, 6);
    for (const row of r.rows) {
      const dq = local.quality(row.prompt, row.a) - local.quality(row.prompt, row.b);
      // ½[σ(sΔ + b) + 1 − σ(−sΔ + b)] is antisymmetric in Δ: its side of ½ is the side of Δ.
      if (Math.abs(dq) > 1e-9) expect(Math.sign(row.p - 0.5)).toBe(Math.sign(dq));
      expect(row.p).toBeCloseTo(
        0.5 * (local.compare(row.prompt, row.a, row.b) + 1 - local.compare(row.prompt, row.b, row.a)),
        6,
      );
    }
    expect(r.coverage).toBe(1);
    expect(r.flipRate).toBeGreaterThan(0);
  });

  test('chain of thought reads the preference after the rationale; scoring gives the expected score', async () => {
    const { cfg, governor } = endpoint(server.url, 'local-judge');
    const cot = new OpenAIPairwiseJudge(cfg, { chainOfThought: true }, { governor });
    const p = pairs[0]!;
    const v = await cot.compare(p.prompt, p.a, p.b);
    expect(v.ok && v.p).toBeCloseTo(local.compare(p.prompt, p.a, p.b), 6);
    expect(v.usage.requests).toBe(2);
    const scorer = new OpenAIScoringJudge(cfg, {}, { governor });
    for (const r of responses.slice(0, 5)) {
      const s = await scorer.score(r.prompt, r.response);
      expect(s.ok && s.source).toBe('logprobs');
      expect(s.ok && s.score).toBeCloseTo(local.score(r.prompt, r.response), 5);
    }
  });
});

describe('through the fault proxy', () => {
  async function storm(
    plan: FaultPlan,
    gov: Record<string, number> = {},
    extra: Partial<EndpointConfigInput> = {},
  ) {
    const proxy = await startFaultProxy({ target: server.url, plan });
    const { cfg, governor } = endpoint(proxy.url, 'local-judge', extra, gov);
    return { proxy, cfg, governor };
  }

  test('a 429 storm loses no judgment, and the ledger pays none twice', async () => {
    const { proxy, cfg, governor } = await storm({
      seed: 4,
      rate: 0.5,
      kinds: ['429'],
      retryAfterSeconds: 0.05,
    });
    try {
      const dir = tmpDir();
      const judge = new OpenAIPairwiseJudge(
        cfg,
        {},
        { governor, ledger: new JudgmentLedger(path.join(dir, 'judgments.jsonl')) },
      );
      const r = await judgeEachPair(judge, pairs, {
        deadLetters: new DeadLetterSet(path.join(dir, 'dead.jsonl')),
      });
      expect(r.coverage).toBe(1);
      expect(r.rows).toHaveLength(pairs.length);
      for (const row of r.rows) {
        expect(row.pAB).toBeCloseTo(local.compare(row.prompt, row.a, row.b), 6);
      }
      const s = proxy.stats();
      const limited = s.faults['429'] ?? 0;
      expect(limited).toBeGreaterThan(5);
      expect(governor.stats().rateLimited).toBe(limited);
      // Every request that got through was a distinct judgment: none was paid twice.
      expect(s.requests - limited).toBe(2 * pairs.length);
      expect(r.usage.requests).toBe(2 * pairs.length);

      // A retried activity (a new judge on the same ledger) pays nothing.
      const again = new OpenAIPairwiseJudge(
        cfg,
        {},
        { governor, ledger: new JudgmentLedger(path.join(dir, 'judgments.jsonl')) },
      );
      const r2 = await judgeEachPair(again, pairs);
      expect(proxy.stats().requests).toBe(s.requests);
      expect(r2.rows).toEqual(r.rows);
      expect(r2.usage.requests).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  test('500s, broken bodies, dropped connections and hangs are retried to the same labels', async () => {
    const { proxy, cfg, governor } = await storm(
      {
        seed: 9,
        rate: 0.4,
        kinds: ['500', 'malformed-json', 'truncated-json', 'drop-connection', 'hang'],
        hangMs: 5000,
      },
      // Every fault must be retried one for one here, so the circuit breaker (which a burst of
      // dropped connections opens; tests/providers/circuit-breaker.test.ts) is kept closed.
      { maxAttempts: 8, circuitThreshold: 1000 },
      { timeoutMs: 400 },
    );
    try {
      const judge = new OpenAIPairwiseJudge(cfg, {}, { governor });
      const r = await judgeEachPair(judge, pairs.slice(0, 8));
      expect(r.coverage).toBe(1);
      for (const row of r.rows) expect(row.pAB).toBeCloseTo(local.compare(row.prompt, row.a, row.b), 6);
      const faults = proxy.stats().faults;
      expect(Object.values(faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(3);
      expect(governor.stats().transientErrors).toBe(Object.values(faults).reduce((a, b) => a + b, 0));
    } finally {
      await proxy.close();
    }
  });

  test('cancellation aborts a hanging request at once', async () => {
    const { proxy, cfg, governor } = await storm({ sequence: ['hang'], hangMs: 20_000 });
    try {
      const judge = new OpenAIPairwiseJudge(cfg, {}, { governor });
      const ac = new AbortController();
      const t0 = Date.now();
      setTimeout(() => ac.abort(), 100);
      const p = pairs[0]!;
      await expect(judge.compare(p.prompt, p.a, p.b, { signal: ac.signal })).rejects.toMatchObject({
        name: 'AbortError',
      });
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(governor.stats().retries).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  test('missing logprobs: parsed answers in auto mode, a dead letter when logprobs are required', async () => {
    const { proxy, cfg, governor } = await storm({
      sequence: ['missing-logprobs', 'missing-logprobs', 'missing-logprobs', 'missing-logprobs'],
    });
    try {
      const p = pairs.find((x) => Math.abs(local.compare(x.prompt, x.a, x.b) - 0.5) > 0.05)!;
      const auto = await new OpenAIPairwiseJudge(cfg, {}, { governor }).compare(p.prompt, p.a, p.b);
      expect(auto).toMatchObject({
        ok: true,
        source: 'parsed',
        p: local.compare(p.prompt, p.a, p.b) > 0.5 ? 1 : 0,
      });
      const strictJudge = new OpenAIPairwiseJudge(cfg, { answer: 'logprobs' }, { governor });
      const dead = new DeadLetterSet(path.join(tmpDir(), 'dead.jsonl'));
      const r = await judgeEachPair(strictJudge, [p], { deadLetters: dead });
      expect(r.coverage).toBe(0);
      expect(dead.list()).toEqual([expect.objectContaining({ pairId: p.id, reason: 'missing-logprobs' })]);
    } finally {
      await proxy.close();
    }
  });
});

describe('createLLMJudges', () => {
  test('scores a batch (d-RLAIF) with a ledger, falling back to a second judge when the first fails', async () => {
    const proxy = await startFaultProxy({
      target: server.url,
      plan: { sequence: ['missing-logprobs', 'missing-logprobs'] },
    });
    try {
      const dir = tmpDir();
      const judges = createLLMJudges({
        endpoint: { baseURL: proxy.url, model: 'local-judge' },
        options: { answer: 'logprobs' },
        ledgerDir: dir,
        fallback: { endpoint: { baseURL: server.url, model: 'local-judge' } },
      });
      const rows = responses.slice(0, 6);
      const dead = new DeadLetterSet(path.join(dir, 'dead.jsonl'));
      const r = await scoreEachResponse(judges.scoring, rows, {
        fallback: judges.fallback?.scoring,
        deadLetters: dead,
      });
      expect(r.coverage).toBe(1);
      expect(dead.size).toBe(0);
      r.rows.forEach((row, i) =>
        expect(row.score).toBeCloseTo(local.score(rows[i]!.prompt, rows[i]!.response), 5),
      );
      expect(fs.existsSync(path.join(dir, 'judgments.jsonl'))).toBe(true);
      // Everything is in the ledger now: scoring again costs nothing.
      const again = await scoreEachResponse(judges.scoring, rows, { fallback: judges.fallback?.scoring });
      expect(again.usage.requests).toBe(0);
      expect(again.rows).toEqual(r.rows);
    } finally {
      await proxy.close();
    }
  });
});

describe('authentication', () => {
  test('a 401 fails at once with a message naming the key variable, never the key', async () => {
    const guarded = await startLocalModelServer({ port: 0, apiKey: 'right-key-0123456789' });
    process.env.RLAIF_TEST_JUDGE_KEY = 'wrong-key-9876543210';
    try {
      const { cfg, governor } = endpoint(guarded.url, 'local-judge', { apiKeyEnv: 'RLAIF_TEST_JUDGE_KEY' });
      const judge = new OpenAIPairwiseJudge(cfg, {}, { governor });
      const err = await judge.compare('describe the ocean', 'wave', 'tide').catch((e: unknown) => e as Error);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).name).toBe('EndpointConfigError');
      expect((err as Error).message).toContain('RLAIF_TEST_JUDGE_KEY');
      expect((err as Error).message).toContain(guarded.url);
      expect((err as Error).message).not.toContain('wrong-key');
      expect(governor.stats()).toMatchObject({ requests: 1, retries: 0, permanentErrors: 1 });

      process.env.RLAIF_TEST_JUDGE_KEY = 'right-key-0123456789';
      const ok = await new OpenAIPairwiseJudge(cfg, {}, { governor }).compare(
        'describe the ocean',
        'wave',
        'tide',
      );
      expect(ok.ok).toBe(true);
    } finally {
      delete process.env.RLAIF_TEST_JUDGE_KEY;
      await guarded.close();
    }
  });

  test('a wrong model name fails at once with a 404 message naming it', async () => {
    const { cfg, governor } = endpoint(server.url, 'no-such-model');
    const err = await new OpenAIPairwiseJudge(cfg, {}, { governor })
      .compare('q', 'a', 'b')
      .catch((e: unknown) => e as Error);
    expect((err as Error).name).toBe('EndpointConfigError');
    expect((err as Error).message).toMatch(/no-such-model/);
    expect(governor.stats().requests).toBe(1);
  });
});
