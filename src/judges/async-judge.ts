/**
 * The asynchronous judge families, for judges behind a network endpoint. Unlike the embedded
 * judge, a remote judge can fail to give an answer (it refused, a filter fired, the text could not
 * be read); that is a Verdict with `ok: false`, never a sentinel probability.
 */
import type { TokenUsage } from '../providers/usage';
import { ZERO_USAGE } from '../providers/usage';
import type { PairwiseJudge } from './pairwise-judge';

/** Why a judge gave no usable answer. */
export type VerdictFailure =
  'unparseable' | 'refusal' | 'content-filter' | 'missing-logprobs' | 'server-error';

/**
 * How the probability was obtained: 'logprobs' (soft label from the answer tokens' log-probabilities),
 * 'parsed' (one answer read from text: p is 0 or 1), 'sampled' (several parsed answers averaged).
 */
export type VerdictSource = 'logprobs' | 'parsed' | 'sampled';

/** The outcome of one pairwise judgement. `cached` marks a verdict served from the ledger (usage 0). */
export type Verdict =
  | { ok: true; /** p(first better) */ p: number; source: VerdictSource; usage: TokenUsage; cached?: boolean }
  | { ok: false; reason: VerdictFailure; raw: string; usage: TokenUsage; cached?: boolean };

/** The outcome of one direct (1–10) scoring. */
export type ScoreVerdict =
  | {
      ok: true;
      /** expected score in [1, 10] */ score: number;
      source: VerdictSource;
      usage: TokenUsage;
      cached?: boolean;
    }
  | { ok: false; reason: VerdictFailure; raw: string; usage: TokenUsage; cached?: boolean };

/** Per-call options of an async judge. */
export interface JudgeCallOptions {
  /** Aborts the judge's requests (activity cancellation). */
  signal?: AbortSignal;
  /** Base seed for sampled rationales/answers and for picking a principle. */
  seed?: number;
  /** Stable id of the pair (e.g. PreferenceRow.id), used to pick a principle identically in both orders. */
  pairId?: string;
}

/**
 * A pairwise AI judge behind an endpoint. `compare` resolves to p(first better) read in the order
 * given (position bias included; see `judgePairBothOrders`), or to a failure verdict. It rejects
 * only for endpoint errors (classified in providers/http-errors) and cancellation.
 */
export interface AsyncPairwiseJudge {
  readonly name: string;
  compare(prompt: string, first: string, second: string, opts?: JudgeCallOptions): Promise<Verdict>;
}

/** A direct-RLAIF judge behind an endpoint: the expected 1–10 rating of one response. */
export interface AsyncScoringJudge {
  readonly name: string;
  score(prompt: string, response: string, opts?: JudgeCallOptions): Promise<ScoreVerdict>;
}

/** Wraps a synchronous (local) pairwise judge as an async one; its p is an exact soft label. */
export function asyncPairwise(judge: PairwiseJudge): AsyncPairwiseJudge {
  return {
    name: judge.name,
    compare: (prompt, first, second) =>
      Promise.resolve({
        ok: true,
        p: judge.compare(prompt, first, second),
        source: 'logprobs',
        usage: { ...ZERO_USAGE },
      }),
  };
}
