import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AsyncPairwiseJudge, Verdict } from '../../src/judges/async-judge';
import {
  judgeEachPair,
  judgePairBothOrders,
  pairResponses,
  scoreEachResponse,
  type PairInput,
} from '../../src/judges/judge-pairs';
import { DeadLetterSet, JudgmentLedger } from '../../src/judges/ledger';
import {
  expectedScoreFromTokens,
  OpenAIPairwiseJudge,
  OpenAIScoringJudge,
  pickPrinciple,
  softLabelFromTokens,
} from '../../src/judges/llm-judge';
import { parsePreference, parseScore } from '../../src/judges/prompt/answers';
import { parseEndpointConfig } from '../../src/providers/endpoint';
import type { TokenLogprob } from '../../src/providers/openai-call';
import { EndpointGovernor } from '../../src/providers/governor';
import { chatBody, fakeClient, type FakeCall } from '../helpers/fake-openai';

const ZERO = { promptTokens: 0, completionTokens: 0, requests: 0 };
const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'llm-judge-'));

/** Answer tokens with "1"/"2" alternatives at the given probabilities. */
function answer(p1: number, lead: string[] = [], first = '1', second = '2') {
  return [
    ...lead.map((t) => ({ token: t, logprob: -0.01, top: [[t, -0.01] as [string, number]] })),
    {
      token: p1 >= 0.5 ? first : second,
      logprob: Math.log(Math.max(p1, 1 - p1)),
      top: [
        [first, Math.log(p1)],
        [second, Math.log(1 - p1)],
        ['The', Math.log(1e-6)],
      ] as Array<[string, number]>,
    },
  ];
}

/** The fake's tuple alternatives as normalized TokenLogprobs. */
const toTokens = (ts: ReturnType<typeof answer>): TokenLogprob[] =>
  ts.map((t) => ({
    token: t.token,
    logprob: t.logprob,
    top: t.top.map(([token, logprob]) => ({ token, logprob })),
  }));

describe('reading answers', () => {
  test('soft label = exp(l1) / (exp(l1) + exp(l2))', () => {
    expect(softLabelFromTokens(toTokens(answer(0.73)))).toBeCloseTo(0.73, 10);
    // Unnormalized log-probabilities (other tokens took some mass) are renormalized over 1/2.
    const t = [
      {
        token: '2',
        logprob: Math.log(0.45),
        top: [
          { token: '2', logprob: Math.log(0.45) },
          { token: '1', logprob: Math.log(0.15) },
        ],
      },
    ];
    expect(softLabelFromTokens(t)).toBeCloseTo(0.25, 10);
  });

  test('tolerates leading spaces and earlier tokens; " 1" and "1" add up', () => {
    expect(
      softLabelFromTokens(toTokens(answer(0.2, ['Preferred', ' Response', '='], ' 1', ' 2'))),
    ).toBeCloseTo(0.2, 10);
    const both = [
      {
        token: '1',
        logprob: Math.log(0.4),
        top: [
          { token: '1', logprob: Math.log(0.4) },
          { token: ' 1', logprob: Math.log(0.2) },
          { token: '2', logprob: Math.log(0.4) },
        ],
      },
    ];
    expect(softLabelFromTokens(both)).toBeCloseTo(0.6, 10);
  });

  test('one answer missing from the alternatives: bounded by the least likely alternative', () => {
    const t = [
      {
        token: '1',
        logprob: Math.log(0.9),
        top: [
          { token: '1', logprob: Math.log(0.9) },
          { token: 'The', logprob: Math.log(0.01) },
        ],
      },
    ];
    expect(softLabelFromTokens(t)).toBeCloseTo(0.9 / 0.91, 10);
    expect(softLabelFromTokens([{ token: 'Hello', logprob: -1, top: [] }])).toBeUndefined();
    expect(softLabelFromTokens([{ token: '1', logprob: -0.1, top: [] }])).toBeUndefined();
  });

  test('expected score Σ s·p(s) over "1".."10"', () => {
    const probs = new Map([
      ['7', 0.5],
      ['8', 0.3],
      [' 10', 0.2],
    ]);
    const t = [
      {
        token: '7',
        logprob: Math.log(0.5),
        top: [...probs].map(([token, p]) => ({ token, logprob: Math.log(p) })),
      },
    ];
    expect(expectedScoreFromTokens(t)).toBeCloseTo(7 * 0.5 + 8 * 0.3 + 10 * 0.2, 10);
  });

  test('parsing text answers', () => {
    expect(parsePreference('2')).toBe(2);
    expect(parsePreference(' (1)')).toBe(1);
    expect(parsePreference('<think>1 or 2? hmm</think>Preferred Response=2')).toBe(2);
    expect(parsePreference('Response 1 is better because it stays on topic.')).toBe(1);
    expect(parsePreference('Both are fine.')).toBeUndefined();
    expect(parseScore('Rating=7')).toBe(7);
    expect(parseScore('8.5 out of ten')).toBe(8.5);
    expect(parseScore('eleven')).toBeUndefined();
    expect(parseScore('42')).toBeUndefined();
  });

  test('principle sampling is deterministic in (seed, pair id) and spreads over the list', () => {
    const ps = ['harmless', 'helpful', 'honest'];
    expect(pickPrinciple(ps, 5, 'p1#0|p1#1')).toBe(pickPrinciple(ps, 5, 'p1#0|p1#1'));
    const seen = new Set(Array.from({ length: 60 }, (_, i) => pickPrinciple(ps, 5, `pair-${i}`)));
    expect(seen.size).toBe(3);
  });
});

/** A judge whose p(first better) is a fixed function, like a biased LLM labeler. */
function fnJudge(f: (first: string, second: string) => number, name = 'fn'): AsyncPairwiseJudge {
  return { name, compare: async (_p, a, b) => ({ ok: true, p: f(a, b), source: 'logprobs', usage: ZERO }) };
}

const pair: PairInput = {
  id: 'q#0|q#1',
  promptId: 'q',
  prompt: 'q',
  aId: 'q#0',
  bId: 'q#1',
  a: 'good',
  b: 'bad',
};

describe('both orders', () => {
  test('p = ½[p(A,B) + 1 − p(B,A)] removes a constant position bias, and the flip is reported', async () => {
    // True preference σ(1) for "good", plus a bias of −2 logits towards the second answer.
    const sig = (z: number): number => 1 / (1 + Math.exp(-z));
    const biased = fnJudge((a) => sig((a === 'good' ? 1 : -1) - 2));
    const r = await judgePairBothOrders(biased, pair, { swapOrder: true });
    if (!r.ok) throw new Error('expected a row');
    expect(r.row.pAB).toBeCloseTo(sig(-1));
    expect(r.row.pBA).toBeCloseTo(sig(-3));
    expect(r.row.p).toBeCloseTo(0.5 * (sig(-1) + 1 - sig(-3)));
    expect(r.row.p).toBeGreaterThan(0.5);
    expect(r.row.flipped).toBe(true);
    // The debiased label is order-independent: swapping a and b gives 1 − p.
    const swapped = await judgePairBothOrders(biased, { ...pair, a: 'bad', b: 'good' }, { swapOrder: true });
    expect(swapped.ok && swapped.row.p).toBeCloseTo(1 - r.row.p);
    // Without swapOrder the row keeps pAB and records pBA = 1 − pAB.
    const one = await judgePairBothOrders(biased, pair, { swapOrder: false });
    expect(one.ok && one.row).toMatchObject({ p: sig(-1), pBA: 1 - sig(-1), flipped: false });
  });

  test('a failed judgment goes to the fallback judge for both orders, else to the dead letters', async () => {
    const refuses: AsyncPairwiseJudge = {
      name: 'refuser',
      compare: async (_p, a) =>
        a === 'bad'
          ? ({ ok: false, reason: 'refusal', raw: 'I cannot', usage: ZERO } as Verdict)
          : { ok: true, p: 0.9, source: 'parsed', usage: ZERO },
    };
    const dir = tmp();
    const dead = new DeadLetterSet(path.join(dir, 'dead.jsonl'));
    const fallbackCalls: string[] = [];
    const fallback = fnJudge((a) => {
      fallbackCalls.push(a);
      return a === 'good' ? 0.8 : 0.3;
    }, 'fallback');
    const withFallback = await judgePairBothOrders(refuses, pair, { fallback, deadLetters: dead });
    expect(withFallback.ok && withFallback.judge).toBe('fallback');
    expect(fallbackCalls.sort()).toEqual(['bad', 'good']);
    expect(withFallback.ok && withFallback.row.p).toBeCloseTo(0.5 * (0.8 + 0.7));

    const batch = await judgeEachPair(refuses, [pair, { ...pair, id: 'r#0|r#1', a: 'fine', b: 'fine too' }], {
      deadLetters: dead,
    });
    expect(batch.rows.map((r) => r.id)).toEqual(['r#0|r#1']);
    expect(batch.coverage).toBe(0.5);
    expect(batch.deadLetters).toEqual([
      expect.objectContaining({ pairId: pair.id, reason: 'refusal', raw: 'I cannot' }),
    ]);
    // The dead letters are on disk for a person to read.
    expect(new DeadLetterSet(path.join(dir, 'dead.jsonl')).list().map((d) => d.pairId)).toEqual([pair.id]);
  });

  test('scoreEachResponse records unscorable responses as dead letters and keeps the rest in order', async () => {
    const scorer = {
      name: 's',
      score: async (_p: string, response: string) =>
        response === 'bad'
          ? ({ ok: false, reason: 'unparseable', raw: '??', usage: ZERO } as const)
          : ({ ok: true, score: response.length, source: 'parsed', usage: ZERO } as const),
    };
    const rows = ['abc', 'bad', 'abcdef'].map((response, i) => ({
      id: `p#${i}`,
      promptId: 'p',
      prompt: 'x',
      sample: i,
      response,
      logprob: 0,
    }));
    const r = await scoreEachResponse(scorer, rows);
    expect(r.rows.map((x) => [x.id, x.score])).toEqual([
      ['p#0', 3],
      ['p#2', 6],
    ]);
    expect(r.deadLetters).toEqual([expect.objectContaining({ pairId: 'p#1', reason: 'unparseable' })]);
    expect(r.coverage).toBeCloseTo(2 / 3);
  });

  test('pairResponses pairs samples 0–1, 2–3 of each prompt', () => {
    const rows = [0, 1, 2, 3, 4].map((s) => ({
      id: `p#${s}`,
      promptId: 'p',
      prompt: 'x',
      sample: s,
      response: `r${s}`,
      logprob: 0,
    }));
    expect(pairResponses(rows).map((p) => p.id)).toEqual(['p#0|p#1', 'p#2|p#3']);
  });
});

/** A fake endpoint answering pairwise questions with p(first) = 0.7 when "good" is Response 1, else 0.4. */
function fakeJudgeEndpoint(opts: { logprobs?: boolean } = {}) {
  return fakeClient((c: FakeCall) => {
    if (c.text.trimEnd().endsWith('Rationale:')) {
      return chatBody(
        Array.from({ length: Number(c.body.n) }, () => ({ text: 'Response 1 stays on topic.' })),
      );
    }
    const firstIsGood = /Response 1:\ngood/.test(c.text);
    const p = firstIsGood ? 0.7 : 0.4;
    if (opts.logprobs === false || !c.body.logprobs) {
      return chatBody(Array.from({ length: Number(c.body.n) }, () => ({ text: firstIsGood ? '1' : '2' })));
    }
    return chatBody([{ text: p >= 0.5 ? '1' : '2', tokens: answer(p) }]);
  });
}

describe('OpenAIPairwiseJudge (fake endpoint)', () => {
  const cfg = parseEndpointConfig({ baseURL: 'http://fake.test/v1', model: 'judge' });
  const deps = (client: ReturnType<typeof fakeClient>['client'], ledger?: JudgmentLedger) => ({
    client,
    governor: new EndpointGovernor(cfg, { maxConcurrency: 4 }),
    ledger,
  });

  test('soft label from logprobs, with the request asking for top logprobs at temperature 0', async () => {
    const { client, calls } = fakeJudgeEndpoint();
    const judge = new OpenAIPairwiseJudge(cfg, {}, deps(client));
    const v = await judge.compare('q', 'good', 'bad');
    expect(v).toMatchObject({ ok: true, source: 'logprobs' });
    expect(v.ok && v.p).toBeCloseTo(0.7, 10);
    expect(calls[0]!.body).toMatchObject({ logprobs: true, top_logprobs: 20, temperature: 0, n: 1 });
    expect(calls[0]!.text.endsWith('Preferred Response=')).toBe(true);
  });

  test('without logprobs: parsed answer, or k samples averaged', async () => {
    const { client } = fakeJudgeEndpoint({ logprobs: false });
    const parsed = await new OpenAIPairwiseJudge(cfg, {}, deps(client)).compare('q', 'good', 'bad');
    expect(parsed).toMatchObject({ ok: true, p: 1, source: 'parsed' });
    const { client: c2, calls } = fakeJudgeEndpoint({ logprobs: false });
    const sampled = await new OpenAIPairwiseJudge(cfg, { answer: 'parse', samples: 5 }, deps(c2)).compare(
      'q',
      'bad',
      'good',
    );
    expect(sampled).toMatchObject({ ok: true, p: 0, source: 'sampled' });
    expect(calls[0]!.body).toMatchObject({ n: 5, temperature: 1 });
    expect(calls[0]!.body.logprobs).toBeUndefined();
    const { client: c3 } = fakeJudgeEndpoint({ logprobs: false });
    const strict = await new OpenAIPairwiseJudge(cfg, { answer: 'logprobs' }, deps(c3)).compare(
      'q',
      'good',
      'bad',
    );
    expect(strict).toMatchObject({ ok: false, reason: 'missing-logprobs', raw: '1' });
  });

  test('refusals, content filters and nonsense are failure verdicts, not numbers', async () => {
    for (const [choice, reason] of [
      [{ text: '', refusal: 'I will not judge this.' }, 'refusal'],
      [{ text: '', finish: 'content_filter' }, 'content-filter'],
      [{ text: 'Both are lovely.' }, 'unparseable'],
    ] as const) {
      const { client } = fakeClient(() => chatBody([choice]));
      const v = await new OpenAIPairwiseJudge(cfg, {}, deps(client)).compare('q', 'a', 'b');
      expect(v).toMatchObject({ ok: false, reason });
    }
  });

  test('chain of thought: rationale first, then the preference read after it; self-consistency averages k paths', async () => {
    const { client, calls } = fakeJudgeEndpoint();
    const judge = new OpenAIPairwiseJudge(cfg, { selfConsistency: 3 }, deps(client));
    const v = await judge.compare('q', 'good', 'bad');
    expect(v.ok && v.p).toBeCloseTo(0.7, 10);
    const step1 = calls.filter((c) => c.text.endsWith('Rationale:'));
    expect(step1).toHaveLength(1);
    expect(step1[0]!.body).toMatchObject({ n: 3, temperature: 0.7 });
    const step2 = calls.filter((c) => c.text.endsWith('Preferred Response='));
    expect(step2).toHaveLength(3);
    expect(step2[0]!.text).toContain('Rationale:\nResponse 1 stays on topic.\n\nPreferred Response=');
  });

  test('principles: sample mode picks one per pair in both orders; ensemble asks all and averages', async () => {
    const principles = ['Prefer the more harmless.', 'Prefer the more helpful.', 'Prefer the more honest.'];
    const { client, calls } = fakeJudgeEndpoint();
    const judge = new OpenAIPairwiseJudge(cfg, { principles }, deps(client));
    await judge.compare('q', 'good', 'bad', { pairId: 'x', seed: 3 });
    await judge.compare('q', 'bad', 'good', { pairId: 'x', seed: 3 });
    const used = calls.map((c) => principles.find((p) => c.text.includes(p)));
    expect(used[0]).toBe(pickPrinciple(principles, 3, 'x'));
    expect(used[1]).toBe(used[0]);
    const { client: c2, calls: calls2 } = fakeJudgeEndpoint();
    const v = await new OpenAIPairwiseJudge(cfg, { principles, principleMode: 'ensemble' }, deps(c2)).compare(
      'q',
      'good',
      'bad',
    );
    expect(calls2).toHaveLength(3);
    expect(v.ok && v.p).toBeCloseTo(0.7, 10);
  });

  test('the ledger pays a judgment once, across judge instances and concurrent calls', async () => {
    const file = path.join(tmp(), 'judgments.jsonl');
    const { client, calls } = fakeJudgeEndpoint();
    const j1 = new OpenAIPairwiseJudge(cfg, {}, deps(client, new JudgmentLedger(file)));
    const [a, b] = await Promise.all([j1.compare('q', 'good', 'bad'), j1.compare('q', 'good', 'bad')]);
    expect(calls).toHaveLength(1);
    expect(a.ok && b.ok && a.p === b.p).toBe(true);
    // A new process (new ledger instance on the same file) does not ask again.
    const j2 = new OpenAIPairwiseJudge(cfg, {}, deps(client, new JudgmentLedger(file)));
    const c = await j2.compare('q', 'good', 'bad');
    expect(calls).toHaveLength(1);
    expect(c).toMatchObject({ ok: true, cached: true, usage: ZERO });
    // A different order, template or option is a different question.
    await j2.compare('q', 'bad', 'good');
    await new OpenAIPairwiseJudge(
      cfg,
      { preamble: 'Pick the better one.' },
      deps(client, new JudgmentLedger(file)),
    ).compare('q', 'good', 'bad');
    expect(calls).toHaveLength(3);
  });
});

describe('OpenAIScoringJudge (fake endpoint)', () => {
  const cfg = parseEndpointConfig({ baseURL: 'http://fake.test/v1', model: 'judge' });
  test('expected score from logprobs, parsed rating without them', async () => {
    const { client, calls } = fakeClient((c) =>
      c.body.logprobs
        ? chatBody([
            {
              text: '6',
              tokens: [
                {
                  token: '6',
                  logprob: Math.log(0.5),
                  top: [
                    ['6', Math.log(0.5)],
                    ['7', Math.log(0.5)],
                  ],
                },
              ],
            },
          ])
        : chatBody([{ text: 'Rating=9' }]),
    );
    const judge = new OpenAIScoringJudge(
      cfg,
      {},
      { client, governor: new EndpointGovernor(cfg, { maxConcurrency: 2 }) },
    );
    const v = await judge.score('describe the moon', 'craters');
    expect(v).toMatchObject({ ok: true, score: 6.5, source: 'logprobs' });
    expect(calls[0]!.text).toMatch(/\nResponse:\ncraters\n/);
    expect(calls[0]!.text.endsWith('Rating=')).toBe(true);
    const parsed = await new OpenAIScoringJudge(
      cfg,
      { answer: 'parse' },
      { client, governor: new EndpointGovernor(cfg, { maxConcurrency: 2 }) },
    ).score('describe the moon', 'craters');
    expect(parsed).toMatchObject({ ok: true, score: 9, source: 'parsed' });
  });
});
