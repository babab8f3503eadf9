/** The judge families: one interface per output shape. */
/**
 * A pairwise AI judge. `compare` returns the judge's probability that the response shown FIRST is
 * the better answer to the prompt (a soft label in (0, 1), not a hard choice). It is read in the
 * order given, position bias included; use `judgeBothOrders` to debias.
 */
export interface PairwiseJudge {
    readonly name: string;
    compare(prompt: string, first: string, second: string): number;
}
/**
 * A scoring judge (direct RLAIF): `score` returns the judge's expected rating of one response on
 * a 1–10 scale, i.e. Σ s · p(s) over the score values, not the most likely score.
 */
export interface ScoringJudge {
    score(prompt: string, response: string): number;
}
