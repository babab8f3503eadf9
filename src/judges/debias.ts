/** Position debiasing: ask the judge in both orders and average (Lee et al. 2023). */
import type { PairwiseJudge } from './pairwise-judge';

/** Both-order judgement of (a, b): the raw labels, the debiased p(a ≻ b) and whether the argmax flipped. */
export interface BothOrders {
  /** p(first better) with a shown first. */
  pAB: number;
  /** p(first better) with b shown first. */
  pBA: number;
  /** ½ [pAB + (1 − pBA)]: order-independent, so p(a, b) = 1 − p(b, a). */
  p: number;
  /** Whether the preferred response changed when the order was swapped. */
  flipped: boolean;
}

/** Which response the judge picks in one order; 'none' at exactly 0.5. */
function pick(pFirst: number, first: 'a' | 'b', second: 'a' | 'b'): 'a' | 'b' | 'none' {
  if (pFirst > 0.5) return first;
  if (pFirst < 0.5) return second;
  return 'none';
}

/** Judges (a, b) and (b, a) and combines them. */
export function judgeBothOrders(judge: PairwiseJudge, prompt: string, a: string, b: string): BothOrders {
  const pAB = judge.compare(prompt, a, b);
  const pBA = judge.compare(prompt, b, a);
  for (const [label, v] of [
    ['pAB', pAB],
    ['pBA', pBA],
  ] as const) {
    if (!(v >= 0 && v <= 1))
      throw new Error(`judge ${judge.name} returned ${label} = ${v}, not a probability`);
  }
  return {
    pAB,
    pBA,
    p: 0.5 * (pAB + (1 - pBA)),
    flipped: pick(pAB, 'a', 'b') !== pick(pBA, 'b', 'a'),
  };
}
