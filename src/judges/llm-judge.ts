/**
 * LLM judges over an OpenAI-compatible endpoint (Lee et al. 2023; Bai et al. 2022).
 *
 * Why soft labels: the judge's distribution over the answer tokens "1"/"2" carries its confidence,
 * and a reward model trained on p = exp(l1) / (exp(l1) + exp(l2)) learns from close calls without
 * being pushed to extremes by them. When an endpoint gives no logprobs (reasoning models, some
 * servers) the answer is parsed from text instead, optionally averaged over k samples, and the
 * verdict says so (`source`).
 */
import type OpenAI from 'openai';
import type { z } from 'zod';
import { createClient, type EndpointConfig } from '../providers/endpoint';
import { governorFor, type EndpointGovernor } from '../providers/governor';
import { describeEndpoint, PermanentEndpointError } from '../providers/http-errors';
import {
  isRequestSpecific,
  sampleChoices,
  type CallRequest,
  type CallResult,
  type NormalizedChoice,
  type TokenLogprob,
} from '../providers/openai-call';
import { addUsage, ZERO_USAGE, type TokenUsage } from '../providers/usage';
import { Rng, seedFrom } from '../util/rng';
import { llmJudgeOptionsSchema } from './llm-judge-options';

export { llmJudgeOptionsSchema } from './llm-judge-options';
import type {
  AsyncPairwiseJudge,
  AsyncScoringJudge,
  JudgeCallOptions,
  ScoreVerdict,
  Verdict,
  VerdictFailure,
  VerdictSource,
} from './async-judge';
import { judgmentKey, type JudgmentLedger } from './ledger';
import { parsePreference, parseScore, stripThinking } from './prompt/answers';
import {
  loadTemplates,
  renderPairwise,
  renderScore,
  type JudgeTemplates,
  type PairExemplar,
} from './prompt/templates';

// ---------------------------------------------------------------------------------------------
// Reading answers

/** log Σ exp(x), stable. */
export function logSumExp(xs: readonly number[]): number {
  const m = Math.max(...xs);
  if (!Number.isFinite(m)) return m;
  return m + Math.log(xs.reduce((a, x) => a + Math.exp(x - m), 0));
}

/** The candidates at one position: the alternatives plus the chosen token itself. */
function candidates(t: TokenLogprob): Array<{ token: string; logprob: number }> {
  return [...t.top, { token: t.token, logprob: t.logprob }].filter((c) => Number.isFinite(c.logprob));
}

/**
 * Per-answer log-probabilities at the answer position: the first position whose chosen token or
 * alternatives include an answer (tokens compared trimmed, so " 1" and "1" both count and their
 * probabilities add). Undefined when no position has alternatives with an answer.
 */
function answerLogprobs(
  tokens: readonly TokenLogprob[],
  answers: readonly string[],
): Map<string, number> | undefined {
  for (const t of tokens) {
    const cands = candidates(t);
    const hits = cands.filter((c) => answers.includes(c.token.trim()));
    if (hits.length === 0) continue;
    if (t.top.length === 0) return undefined;
    const out = new Map<string, number>();
    for (const a of answers) {
      // The chosen token is usually also in the alternatives: count each distinct token string once.
      const seen = new Map<string, number>();
      for (const c of hits) if (c.token.trim() === a && !seen.has(c.token)) seen.set(c.token, c.logprob);
      if (seen.size > 0) out.set(a, logSumExp([...seen.values()]));
    }
    return out;
  }
  return undefined;
}

/**
 * Soft label p("1") from the answer position's top logprobs: exp(l1) / (exp(l1) + exp(l2)).
 * When only one of the two is among the returned alternatives, the other is bounded above by the
 * least likely alternative, and that bound is used: a conservative (less extreme) label instead
 * of an exact 0 or 1.
 */
export function softLabelFromTokens(tokens: readonly TokenLogprob[]): number | undefined {
  const lp = answerLogprobs(tokens, ['1', '2']);
  if (!lp) return undefined;
  const pos = tokens.find((t) => candidates(t).some((c) => c.token.trim() === '1' || c.token.trim() === '2'));
  const floor = Math.min(...candidates(pos as TokenLogprob).map((c) => c.logprob));
  const l1 = lp.get('1') ?? floor;
  const l2 = lp.get('2') ?? floor;
  return 1 / (1 + Math.exp(l2 - l1));
}

const SCORE_TOKENS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'] as const;

/**
 * d-RLAIF expected score Σ s · p(s), with p normalized over the score tokens "1".."10" present
 * among the answer position's alternatives. (A tokenizer that splits "10" into "1","0" makes 10
 * count as 1: use a model whose vocabulary has "10", or the parsed fallback.)
 */
export function expectedScoreFromTokens(tokens: readonly TokenLogprob[]): number | undefined {
  const lp = answerLogprobs(tokens, SCORE_TOKENS);
  if (!lp || lp.size === 0) return undefined;
  const z = logSumExp([...lp.values()]);
  let e = 0;
  for (const [s, l] of lp) e += Number(s) * Math.exp(l - z);
  return e;
}

/** Principle for one comparison in 'sample' mode: a deterministic draw from (seed, pairId). */
export function pickPrinciple(principles: readonly string[], seed: number, pairId: string): string {
  return new Rng(seedFrom(seed, pairId)).pick(principles);
}

/** An order-independent pair id from its texts, used when the caller gives none. */
function defaultPairId(prompt: string, first: string, second: string): string {
  const [x, y] = first <= second ? [first, second] : [second, first];
  return judgmentKey({ prompt, x, y }).slice(0, 16);
}

// ---------------------------------------------------------------------------------------------
// Options

export type LLMJudgeOptions = z.output<typeof llmJudgeOptionsSchema>;
/** LLM judge options as a user writes them. */
export type LLMJudgeOptionsInput = z.input<typeof llmJudgeOptionsSchema>;

/** Dependencies, injectable for tests and for sharing one ledger between judges. */
export interface LLMJudgeDeps {
  client?: OpenAI;
  governor?: EndpointGovernor;
  /** Checked before every paid question; verdicts are recorded after. */
  ledger?: JudgmentLedger;
  /** Already loaded templates (default: the files named in options, else the built-in ones). */
  templates?: JudgeTemplates;
}

/** Outcome of one sampled question, before aggregation. */
type Answer<T> =
  { ok: true; value: T; source: VerdictSource } | { ok: false; reason: VerdictFailure; raw: string };

/** A failure that the choice itself reports (refusal, filter), if any. */
function choiceFailure(c: NormalizedChoice): { reason: VerdictFailure; raw: string } | undefined {
  if (c.finishReason === 'content_filter') return { reason: 'content-filter', raw: c.text };
  if (c.refusal) return { reason: 'refusal', raw: c.refusal };
  return undefined;
}

/** Requests tried per question the server keeps failing on (the first as asked, then varied). */
const VARIATIONS = 4;
/** Temperature added per variation. */
const VARIATION_TEMPERATURE = 0.1;
/** Identical attempts of each varied request (enough for a lost-logprobs answer to be asked again). */
const ATTEMPTS_PER_VARIATION = 3;

/** Shared machinery of the pairwise and scoring judges: requests, answer reading, ledger. */
abstract class LLMJudgeBase {
  readonly name: string;
  readonly options: LLMJudgeOptions;
  protected readonly client: OpenAI;
  protected readonly governor: EndpointGovernor;
  protected readonly ledger?: JudgmentLedger;
  protected readonly templates: JudgeTemplates;
  private readonly inflight = new Map<string, Promise<unknown>>();

  constructor(
    readonly endpoint: EndpointConfig,
    options: LLMJudgeOptionsInput = {},
    deps: LLMJudgeDeps = {},
  ) {
    this.options = llmJudgeOptionsSchema.parse(options);
    if (this.options.answer === 'logprobs' && endpoint.requestLogprobs === false) {
      throw new PermanentEndpointError(
        `judge ${describeEndpoint(endpoint)}: answer 'logprobs' needs logprobs, but the endpoint sets requestLogprobs: false`,
        describeEndpoint(endpoint),
      );
    }
    this.client = deps.client ?? createClient(endpoint);
    this.governor = deps.governor ?? governorFor(endpoint);
    this.ledger = deps.ledger;
    this.templates = deps.templates ?? loadTemplates(this.options.templates ?? {});
    this.name = `openai-judge:${endpoint.model}`;
  }

  /** Whether to ask the endpoint for logprobs at all. */
  protected get wantLogprobs(): boolean {
    return this.options.answer !== 'parse' && this.endpoint.requestLogprobs !== false;
  }

  private get topLogprobs(): number {
    return this.options.topLogprobs ?? (this.endpoint.style === 'completions' ? 5 : 20);
  }

  private get answerMaxTokens(): number {
    return this.options.answerMaxTokens ?? this.endpoint.maxTokens ?? 8;
  }

  /**
   * Serves `key` from the ledger, or computes it once (concurrent callers of the same key share
   * one computation) and records it. Cached verdicts report zero usage: they cost nothing now.
   */
  protected async cached<V extends { usage: TokenUsage; cached?: boolean }>(
    key: string,
    compute: () => Promise<V>,
  ): Promise<V> {
    const hit = this.ledger?.get(key) as V | undefined;
    if (hit) return { ...hit, usage: { ...ZERO_USAGE }, cached: true };
    const running = this.inflight.get(key) as Promise<V> | undefined;
    if (running) return running.then((v) => ({ ...v, usage: { ...ZERO_USAGE }, cached: true }));
    const p = compute().then((v) => {
      // A server error is not the judge's answer: the same question may be answered later.
      if ((v as { reason?: string }).reason !== 'server-error') this.ledger?.put(key, v);
      return v;
    });
    this.inflight.set(key, p);
    try {
      return await p;
    } finally {
      this.inflight.delete(key);
    }
  }

  /** The key of one judgement: the exact question(s) asked, the model, and how answers are read. */
  protected key(kind: string, questions: readonly string[]): string {
    const o = this.options;
    return judgmentKey({
      kind,
      model: this.endpoint.model,
      questions,
      read: [
        o.answer,
        o.samples,
        o.sampleTemperature,
        o.chainOfThought,
        o.selfConsistency,
        o.rationaleTemperature,
      ],
    });
  }

  /**
   * One question's choices. A server that keeps failing on this very request (HTTP 5xx, see
   * isRequestSpecific) through all of the governor's attempts is asked again with the seed moved
   * on and the temperature raised a little (at temperature 0 another seed alone changes nothing),
   * up to `VARIATIONS` requests in all; then the question has no answer ('server-error'). The
   * question as asked keeps every attempt, so a passing fault never changes an answer.
   */
  protected async sampleVaried(
    req: CallRequest,
  ): Promise<CallResult | { failure: string; usage: TokenUsage }> {
    let last = '';
    for (let v = 0; v < VARIATIONS; v++) {
      const varied: CallRequest =
        v === 0
          ? req
          : {
              ...req,
              seed: ((req.seed ?? 0) + v) & 0x7fffffff,
              temperature: Math.min(2, (req.temperature ?? 0) + VARIATION_TEMPERATURE * v),
            };
      try {
        return await sampleChoices(this.client, this.endpoint, this.governor, {
          ...varied,
          ...(v > 0 ? { attempts: ATTEMPTS_PER_VARIATION } : {}),
        });
      } catch (err) {
        if (!isRequestSpecific(err)) throw err;
        last = err instanceof Error ? err.message : String(err);
      }
    }
    return { failure: last, usage: { ...ZERO_USAGE } };
  }

  /**
   * Asks one question whose answer is a single token and reads it: soft value from logprobs when
   * available, else `samples` parsed answers averaged.
   */
  protected async ask<T>(
    text: string,
    fromTokens: (t: readonly TokenLogprob[]) => T | undefined,
    parse: (text: string) => T | undefined,
    average: (xs: T[]) => T,
    seed: number,
    signal: AbortSignal | undefined,
  ): Promise<{ answer: Answer<T>; usage: TokenUsage }> {
    let usage: TokenUsage = { ...ZERO_USAGE };
    const o = this.options;
    if (this.wantLogprobs) {
      const r = await this.sampleVaried({
        text,
        n: 1,
        seed,
        temperature: 0,
        maxTokens: this.answerMaxTokens,
        logprobs: true,
        topLogprobs: this.topLogprobs,
        signal,
      });
      usage = addUsage(usage, r.usage);
      if ('failure' in r) return { answer: { ok: false, reason: 'server-error', raw: r.failure }, usage };
      const c = r.choices[0] as NormalizedChoice;
      const fail = choiceFailure(c);
      if (fail) return { answer: { ok: false, ...fail }, usage };
      const v = c.tokens ? fromTokens(c.tokens) : undefined;
      if (v !== undefined) return { answer: { ok: true, value: v, source: 'logprobs' }, usage };
      if (o.answer === 'logprobs')
        return { answer: { ok: false, reason: 'missing-logprobs', raw: c.text }, usage };
      if (o.samples === 1) {
        const parsed = parse(c.text);
        return {
          answer:
            parsed === undefined
              ? { ok: false, reason: 'unparseable', raw: c.text }
              : { ok: true, value: parsed, source: 'parsed' },
          usage,
        };
      }
    }
    const k = o.samples;
    const r = await this.sampleVaried({
      text,
      n: k,
      seed,
      temperature: k > 1 ? o.sampleTemperature : 0,
      maxTokens: this.answerMaxTokens,
      logprobs: false,
      signal,
    });
    usage = addUsage(usage, r.usage);
    if ('failure' in r) return { answer: { ok: false, reason: 'server-error', raw: r.failure }, usage };
    const values: T[] = [];
    let firstFail: { reason: VerdictFailure; raw: string } | undefined;
    for (const c of r.choices) {
      const fail = choiceFailure(c);
      const v = fail ? undefined : parse(c.text);
      if (v !== undefined) values.push(v);
      else firstFail ??= fail ?? { reason: 'unparseable', raw: c.text };
    }
    if (values.length === 0)
      return { answer: { ok: false, ...(firstFail ?? { reason: 'unparseable', raw: '' }) }, usage };
    return { answer: { ok: true, value: average(values), source: k > 1 ? 'sampled' : 'parsed' }, usage };
  }

  /** k rationales for the step-1 text (chain of thought); failures are returned as such. */
  protected async rationales(
    text: string,
    seed: number,
    signal: AbortSignal | undefined,
  ): Promise<{
    texts: Array<{ ok: true; text: string } | { ok: false; reason: VerdictFailure; raw: string }>;
    usage: TokenUsage;
  }> {
    const k = this.options.selfConsistency;
    const r = await this.sampleVaried({
      text,
      n: k,
      seed,
      temperature: k > 1 ? this.options.rationaleTemperature : 0,
      maxTokens: this.options.rationaleMaxTokens,
      logprobs: false,
      signal,
    });
    if ('failure' in r)
      return { texts: [{ ok: false, reason: 'server-error', raw: r.failure }], usage: r.usage };
    return {
      texts: r.choices.map((c) => {
        const fail = choiceFailure(c);
        if (fail) return { ok: false as const, ...fail };
        const t = stripThinking(c.text);
        return t
          ? { ok: true as const, text: t }
          : { ok: false as const, reason: 'unparseable' as const, raw: c.text };
      }),
      usage: r.usage,
    };
  }
}

/** Combines sources: all from logprobs stays 'logprobs'; one parsed answer is 'parsed'; else 'sampled'. */
function combinedSource(sources: VerdictSource[]): VerdictSource {
  if (sources.every((s) => s === 'logprobs')) return 'logprobs';
  return sources.length === 1 ? (sources[0] as VerdictSource) : 'sampled';
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** A pairwise LLM judge over an OpenAI-compatible endpoint. */
export class OpenAIPairwiseJudge extends LLMJudgeBase implements AsyncPairwiseJudge {
  /** Whether callers should judge both orders (`judgePairBothOrders` reads it). */
  get swapOrder(): boolean {
    return this.options.swapOrder;
  }

  /** The principles this comparison uses: none, one sampled by (seed, pairId), or all. */
  principlesFor(
    prompt: string,
    first: string,
    second: string,
    opts: JudgeCallOptions,
  ): Array<string | undefined> {
    const ps = this.options.principles ?? [];
    if (ps.length === 0) return [undefined];
    if (this.options.principleMode === 'ensemble') return ps;
    const seed = opts.seed ?? this.endpoint.seed ?? 0;
    return [pickPrinciple(ps, seed, opts.pairId ?? defaultPairId(prompt, first, second))];
  }

  /** p(first better), read in the order given; see AsyncPairwiseJudge. */
  async compare(
    prompt: string,
    first: string,
    second: string,
    opts: JudgeCallOptions = {},
  ): Promise<Verdict> {
    const principles = this.principlesFor(prompt, first, second, opts);
    const cot = this.options.chainOfThought || this.options.selfConsistency > 1;
    const parts = (principle: string | undefined) => ({
      preamble: this.options.preamble,
      exemplars: this.options.fewShot as PairExemplar[] | undefined,
      principle,
      prompt,
      first,
      second,
    });
    const questions = principles.map((pr) =>
      renderPairwise(cot ? this.templates.rationale : this.templates.pairwise, parts(pr)),
    );
    const key = this.key(cot ? 'pairwise-cot' : 'pairwise', [
      ...questions,
      ...(cot ? [this.templates.pairwiseCot] : []),
    ]);
    const seed = (opts.seed ?? this.endpoint.seed ?? 0) & 0x7fffffff;
    return this.cached(key, async () => {
      const results = await Promise.all(
        principles.map((pr, i) =>
          cot
            ? this.compareCot(questions[i] as string, parts(pr), seed, opts.signal)
            : this.compareOnce(questions[i] as string, seed, opts.signal),
        ),
      );
      return aggregate(results);
    });
  }

  private async compareOnce(question: string, seed: number, signal?: AbortSignal): Promise<Verdict> {
    const { answer, usage } = await this.ask<number>(
      question,
      softLabelFromTokens,
      (t) => {
        const a = parsePreference(t);
        return a === undefined ? undefined : a === 1 ? 1 : 0;
      },
      mean,
      seed,
      signal,
    );
    return answer.ok ? { ok: true, p: answer.value, source: answer.source, usage } : { ...answer, usage };
  }

  private async compareCot(
    question: string,
    parts: Parameters<typeof renderPairwise>[1],
    seed: number,
    signal?: AbortSignal,
  ): Promise<Verdict> {
    const r = await this.rationales(question, seed, signal);
    const steps = await Promise.all(
      r.texts.map((t, i): Promise<Verdict> =>
        t.ok
          ? this.compareOnce(
              renderPairwise(this.templates.pairwiseCot, { ...parts, rationale: t.text }),
              seed + 1 + i,
              signal,
            )
          : Promise.resolve({ ...t, usage: { ...ZERO_USAGE } }),
      ),
    );
    const v = aggregate(steps);
    return { ...v, usage: addUsage(v.usage, r.usage) };
  }
}

/** Averages the usable verdicts (principles of an ensemble, self-consistency paths); fails if none is. */
function aggregate(vs: Verdict[]): Verdict {
  const usage = addUsage(...vs.map((v) => v.usage));
  const ok = vs.filter((v): v is Extract<Verdict, { ok: true }> => v.ok);
  if (ok.length === 0) {
    const f = vs.find((v): v is Extract<Verdict, { ok: false }> => !v.ok);
    return { ok: false, reason: f?.reason ?? 'unparseable', raw: f?.raw ?? '', usage };
  }
  return { ok: true, p: mean(ok.map((v) => v.p)), source: combinedSource(ok.map((v) => v.source)), usage };
}

/** A direct-RLAIF scoring judge: expected 1–10 rating over the score tokens. */
export class OpenAIScoringJudge extends LLMJudgeBase implements AsyncScoringJudge {
  /** The expected rating (logprobs) or the parsed / averaged rating of one response. */
  async score(prompt: string, response: string, opts: JudgeCallOptions = {}): Promise<ScoreVerdict> {
    const ps = this.options.principles ?? [];
    const principle =
      ps.length === 0
        ? undefined
        : pickPrinciple(
            ps,
            opts.seed ?? this.endpoint.seed ?? 0,
            opts.pairId ?? judgmentKey({ prompt, response }).slice(0, 16),
          );
    const question = renderScore(this.templates.score, {
      preamble: this.options.preamble,
      exemplars: this.options.fewShotScores,
      principle,
      prompt,
      response,
    });
    const seed = (opts.seed ?? this.endpoint.seed ?? 0) & 0x7fffffff;
    return this.cached(this.key('score', [question]), async (): Promise<ScoreVerdict> => {
      const { answer, usage } = await this.ask<number>(
        question,
        expectedScoreFromTokens,
        parseScore,
        mean,
        seed,
        opts.signal,
      );
      return answer.ok
        ? { ok: true, score: answer.value, source: answer.source, usage }
        : { ...answer, usage };
    });
  }
}
