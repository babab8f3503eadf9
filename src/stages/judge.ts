/** Stage: AI feedback. Pairwise labels (debiased by asking in both orders) and direct scores. */
import { judgeBothOrders } from '../judges/debias';
import type { PairwiseJudge, ScoringJudge } from '../judges/pairwise-judge';
import type { PreferenceRow, ResponseRow, ScoreRow } from './types';

/**
 * Pairs samples 0–1, 2–3, … of each prompt (an odd last sample is left out) and labels each pair
 * in both orders. Rows are sorted by id, so the output does not depend on the input order.
 */
export function judgePairs(judge: PairwiseJudge, responses: ResponseRow[]): PreferenceRow[] {
  const byPrompt = new Map<string, ResponseRow[]>();
  for (const r of responses) {
    const list = byPrompt.get(r.promptId) ?? [];
    list.push(r);
    byPrompt.set(r.promptId, list);
  }
  const rows: PreferenceRow[] = [];
  for (const list of byPrompt.values()) {
    list.sort((x, y) => x.sample - y.sample);
    for (let i = 0; i + 1 < list.length; i += 2) {
      const a = list[i] as ResponseRow;
      const b = list[i + 1] as ResponseRow;
      const j = judgeBothOrders(judge, a.prompt, a.response, b.response);
      rows.push({
        id: `${a.id}|${b.id}`,
        promptId: a.promptId,
        prompt: a.prompt,
        aId: a.id,
        bId: b.id,
        a: a.response,
        b: b.response,
        pAB: j.pAB,
        pBA: j.pBA,
        p: j.p,
        flipped: j.flipped,
      });
    }
  }
  return rows.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
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
