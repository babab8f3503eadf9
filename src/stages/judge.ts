/** Stage: AI feedback. Pairwise labels (debiased by asking in both orders) and direct scores. */
import { judgeBothOrders } from '../judges/debias';
import { pairResponses } from '../judges/judge-pairs';
import type { PairwiseJudge, ScoringJudge } from '../judges/pairwise-judge';
import type { PreferenceRow, ResponseRow, ScoreRow } from './types';

/**
 * Pairs samples 0–1, 2–3, … of each prompt (an odd last sample is left out) and labels each pair
 * in both orders. Rows are sorted by id, so the output does not depend on the input order.
 */
export function judgePairs(judge: PairwiseJudge, responses: ResponseRow[]): PreferenceRow[] {
  return pairResponses(responses).map((pair) => {
    const j = judgeBothOrders(judge, pair.prompt, pair.a, pair.b);
    return { ...pair, pAB: j.pAB, pBA: j.pBA, p: j.p, flipped: j.flipped };
  });
}

/** The judge's expected 1–10 score of every response (direct RLAIF), in input order. */
export function scoreResponses(judge: ScoringJudge, responses: ResponseRow[]): ScoreRow[] {
  return responses.map((r) => ({
    id: r.id,
    promptId: r.promptId,
    prompt: r.prompt,
    response: r.response,
    score: judge.score(r.prompt, r.response),
  }));
}

/** The share of pairs whose preferred response changed when the order was swapped. */
export function flipRate(rows: PreferenceRow[]): number {
  if (rows.length === 0) throw new Error('flipRate: no preference rows');
  return rows.filter((r) => r.flipped).length / rows.length;
}
