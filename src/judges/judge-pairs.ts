/**
 * Judging a list of pairs (or scoring a list of responses) in one call: async judge verdicts
 * turned into preference (and score) rows with both-order debiasing, a fallback judge for the
 * pairs the first judge cannot label, dead letters for the rest, and coverage. A judge stage calls
 * it once per batch of its rows; evaluation and the benchmarks call it on their own pairs.
 */
import type { PreferenceRow, ResponseRow, ScoreRow } from '../stages/types';
import { addUsage, ZERO_USAGE, type TokenUsage } from '../providers/usage';
import type { AsyncPairwiseJudge, AsyncScoringJudge, Verdict } from './async-judge';
import { TransientEndpointError } from '../providers/http-errors';
import { coverage, type DeadLetter, type DeadLetterSet } from './ledger';

/**
 * The call's dead letters, written once every item is done; or, when every item failed on a
 * server error, a retryable error instead: a server that fails everything is down or broken, not
 * unable to answer these particular questions, and the activity's retry policy should wait for it.
 */
function settleDeadLetters(
  dead: DeadLetter[],
  total: number,
  judgeName: string,
  set: DeadLetterSet | undefined,
): DeadLetter[] {
  if (total > 0 && dead.length === total && dead.every((d) => d.reason === 'server-error'))
    throw new TransientEndpointError(
      `${judgeName}: the endpoint failed every one of the ${total} questions with a server error; last: ${dead[dead.length - 1]?.raw ?? ''}`,
      judgeName,
    );
  return set ? dead.map((d) => set.add(d)) : dead;
}

/** The two responses of one pair, a first and b second in the "AB" order. */
export type PairInput = Pick<PreferenceRow, 'id' | 'promptId' | 'prompt' | 'aId' | 'bId' | 'a' | 'b'>;

/** Options of both-order judging. */
export interface BothOrdersOptions {
  /** Judge (b, a) too and average (default: the judge's own `swapOrder`, else true). */
  swapOrder?: boolean;
  /** Tried on both orders when the primary judge fails either of them. */
  fallback?: AsyncPairwiseJudge;
  /** Where pairs no judge could label are recorded. */
  deadLetters?: DeadLetterSet;
  seed?: number;
  signal?: AbortSignal;
}

/** A labelled pair, or the dead letter of a pair that could not be labelled. */
export type PairOutcome =
  | {
      ok: true;
      row: PreferenceRow;
      judge: string;
      usage: TokenUsage;
      /** How the verdicts of the label were read: from logprobs, or from the answer's text. */
      sources: { logprobs: number; text: number };
    }
  | { ok: false; deadLetter: DeadLetter; usage: TokenUsage };

type OkVerdict = Extract<Verdict, { ok: true }>;

/** Which response one order's label picks; 'none' at exactly 0.5. */
function pick(pFirst: number, first: 'a' | 'b', second: 'a' | 'b'): 'a' | 'b' | 'none' {
  if (pFirst > 0.5) return first;
  if (pFirst < 0.5) return second;
  return 'none';
}

/** Judges one judge in the needed orders: both verdicts, or the first failure. */
async function orders(
  judge: AsyncPairwiseJudge,
  pair: PairInput,
  swap: boolean,
  opts: BothOrdersOptions,
): Promise<
  | { ab: OkVerdict; ba?: OkVerdict; usage: TokenUsage }
  | { fail: Extract<Verdict, { ok: false }>; usage: TokenUsage }
> {
  const call = { pairId: pair.id, seed: opts.seed, signal: opts.signal };
  const [ab, ba] = await Promise.all([
    judge.compare(pair.prompt, pair.a, pair.b, call),
    swap ? judge.compare(pair.prompt, pair.b, pair.a, call) : Promise.resolve(undefined),
  ]);
  const usage = addUsage(ab.usage, ba?.usage ?? ZERO_USAGE);
  if (!ab.ok) return { fail: ab, usage };
  if (ba && !ba.ok) return { fail: ba, usage };
  return { ab, ba: ba as OkVerdict | undefined, usage };
}

/**
 * One preference row from a pair: p(a ≻ b) = ½ [p₁(a, b) + 1 − p₁(b, a)] with swapOrder, else
 * p₁(a, b) (then pBA is recorded as 1 − pAB and `flipped` is false). If the judge fails either
 * order, the fallback judge (when given) labels BOTH orders, so one pair's label never mixes two
 * judges' biases; if that fails too the pair becomes a dead letter. Endpoint errors (after the
 * governor's retries) and cancellation reject: the activity's retry and the ledger take over.
 */
export async function judgePairBothOrders(
  judge: AsyncPairwiseJudge & { readonly swapOrder?: boolean },
  pair: PairInput,
  opts: BothOrdersOptions = {},
): Promise<PairOutcome> {
  const swap = opts.swapOrder ?? judge.swapOrder ?? true;
  let r = await orders(judge, pair, swap, opts);
  let usage = r.usage;
  let by = judge.name;
  if ('fail' in r && opts.fallback) {
    r = await orders(opts.fallback, pair, swap, opts);
    usage = addUsage(usage, r.usage);
    by = opts.fallback.name;
  }
  if ('fail' in r) {
    const entry = { pairId: pair.id, reason: r.fail.reason, raw: r.fail.raw };
    const deadLetter = opts.deadLetters
      ? opts.deadLetters.add(entry)
      : { ...entry, at: new Date().toISOString() };
    return { ok: false, deadLetter, usage };
  }
  const pAB = r.ab.p;
  const pBA = r.ba ? r.ba.p : 1 - pAB;
  const verdicts = r.ba ? [r.ab, r.ba] : [r.ab];
  const fromLogprobs = verdicts.filter((v) => v.source === 'logprobs').length;
  return {
    ok: true,
    judge: by,
    usage,
    sources: { logprobs: fromLogprobs, text: verdicts.length - fromLogprobs },
    row: {
      ...pair,
      pAB,
      pBA,
      p: 0.5 * (pAB + (1 - pBA)),
      flipped: r.ba ? pick(pAB, 'a', 'b') !== pick(pBA, 'b', 'a') : false,
    },
  };
}

/** The pairs of a response set: samples 0–1, 2–3, … of each prompt (as the local judge stage pairs them). */
export function pairResponses(responses: readonly ResponseRow[]): PairInput[] {
  const byPrompt = new Map<string, ResponseRow[]>();
  for (const r of responses) {
    const list = byPrompt.get(r.promptId) ?? [];
    list.push(r);
    byPrompt.set(r.promptId, list);
  }
  const pairs: PairInput[] = [];
  for (const list of byPrompt.values()) {
    list.sort((x, y) => x.sample - y.sample);
    for (let i = 0; i + 1 < list.length; i += 2) {
      const a = list[i] as ResponseRow;
      const b = list[i + 1] as ResponseRow;
      pairs.push({
        id: `${a.id}|${b.id}`,
        promptId: a.promptId,
        prompt: a.prompt,
        aId: a.id,
        bId: b.id,
        a: a.response,
        b: b.response,
      });
    }
  }
  return pairs.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
}

/** Options of judging a list of pairs: both-order options plus a bound on pairs in progress and a progress callback. */
export interface JudgeEachPairOptions extends BothOrdersOptions {
  /** Pairs judged at once (default 16); the endpoint's governor bounds requests separately. */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

/** The labelled rows (sorted by id), the dead letters, coverage, flip rate and usage of a list of pairs. */
export interface JudgedPairs {
  rows: PreferenceRow[];
  deadLetters: DeadLetter[];
  /** judged / total. */
  coverage: number;
  /** Share of labelled pairs whose argmax changed with the order (0 without swapOrder). */
  flipRate: number;
  usage: TokenUsage;
  /** Pairs labelled by the fallback judge. */
  byFallback: number;
  /** Verdicts of the labelled pairs (one per order) read from logprobs, and parsed from text. */
  answers: { logprobs: number; text: number };
}

/** Judges every pair in both orders with bounded concurrency; a failed pair never stops the others. */
export async function judgeEachPair(
  judge: AsyncPairwiseJudge & { readonly swapOrder?: boolean },
  pairs: readonly PairInput[],
  opts: JudgeEachPairOptions = {},
): Promise<JudgedPairs> {
  const outcomes: PairOutcome[] = new Array(pairs.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < pairs.length) {
      const i = next++;
      // Dead letters are written once every pair is done (see settleDeadLetters).
      outcomes[i] = await judgePairBothOrders(judge, pairs[i] as PairInput, {
        ...opts,
        deadLetters: undefined,
      });
      opts.onProgress?.(++done, pairs.length);
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 16, pairs.length)) }, worker),
  );
  const rows: PreferenceRow[] = [];
  const failed: DeadLetter[] = [];
  let byFallback = 0;
  const sources = { logprobs: 0, text: 0 };
  for (const o of outcomes) {
    if (o.ok) {
      rows.push(o.row);
      sources.logprobs += o.sources.logprobs;
      sources.text += o.sources.text;
      if (opts.fallback && o.judge === opts.fallback.name && o.judge !== judge.name) byFallback++;
    } else failed.push(o.deadLetter);
  }
  const deadLetters = settleDeadLetters(failed, pairs.length, judge.name, opts.deadLetters);
  rows.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  return {
    rows,
    deadLetters,
    answers: sources,
    coverage: coverage(rows.length, pairs.length),
    flipRate: rows.length === 0 ? 0 : rows.filter((r) => r.flipped).length / rows.length,
    usage: addUsage(...outcomes.map((o) => o.usage)),
    byFallback,
  };
}

/** Direct-RLAIF scores of a list of responses, the responses no judge could score, coverage and usage. */
export interface ScoredResponses {
  /** In input order, without the dead letters. */
  rows: ScoreRow[];
  deadLetters: DeadLetter[];
  coverage: number;
  usage: TokenUsage;
  /** Scores read from logprobs, and parsed from text. */
  answers: { logprobs: number; text: number };
}

/**
 * Scores every response (d-RLAIF) with bounded concurrency: a failed score is retried once with
 * the fallback judge when given, else recorded as a dead letter (keyed by the response id).
 */
export async function scoreEachResponse(
  judge: AsyncScoringJudge,
  responses: readonly ResponseRow[],
  opts: Omit<JudgeEachPairOptions, 'fallback' | 'swapOrder'> & { fallback?: AsyncScoringJudge } = {},
): Promise<ScoredResponses> {
  const out: Array<{ row?: ScoreRow; dead?: DeadLetter; usage: TokenUsage; fromLogprobs?: boolean }> =
    new Array(responses.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < responses.length) {
      const i = next++;
      const r = responses[i] as ResponseRow;
      const call = { pairId: r.id, seed: opts.seed, signal: opts.signal };
      let v = await judge.score(r.prompt, r.response, call);
      let usage = v.usage;
      if (!v.ok && opts.fallback) {
        v = await opts.fallback.score(r.prompt, r.response, call);
        usage = addUsage(usage, v.usage);
      }
      if (v.ok) {
        out[i] = {
          row: { id: r.id, promptId: r.promptId, prompt: r.prompt, response: r.response, score: v.score },
          usage,
          fromLogprobs: v.source === 'logprobs',
        };
      } else {
        out[i] = {
          dead: { pairId: r.id, reason: v.reason, raw: v.raw, at: new Date().toISOString() },
          usage,
        };
      }
      opts.onProgress?.(++done, responses.length);
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 16, responses.length)) }, worker),
  );
  const rows = out.flatMap((o) => (o.row ? [o.row] : []));
  const fromLogprobs = out.filter((o) => o.row && o.fromLogprobs).length;
  const deadLetters = settleDeadLetters(
    out.flatMap((o) => (o.dead ? [o.dead] : [])),
    responses.length,
    judge.name,
    opts.deadLetters,
  );
  return {
    rows,
    deadLetters,
    answers: { logprobs: fromLogprobs, text: rows.length - fromLogprobs },
    coverage: coverage(rows.length, responses.length),
    usage: addUsage(...out.map((o) => o.usage)),
  };
}
