import type { PairwiseJudge, ScoringJudge } from '../judges/pairwise-judge';
import type { PreferenceRow, ResponseRow, ScoreRow } from './types';
/**
 * Pairs samples 0–1, 2–3, … of each prompt (an odd last sample is left out) and labels each pair
 * in both orders. Rows are sorted by id, so the output does not depend on the input order.
 */
export declare function judgePairs(judge: PairwiseJudge, responses: ResponseRow[]): PreferenceRow[];
/** The judge's expected 1–10 score of every response (direct RLAIF), in input order. */
export declare function scoreResponses(judge: ScoringJudge, responses: ResponseRow[]): ScoreRow[];
/** The share of pairs whose preferred response changed when the order was swapped. */
export declare function flipRate(rows: PreferenceRow[]): number;
