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
/** Judges (a, b) and (b, a) and combines them. */
export declare function judgeBothOrders(judge: PairwiseJudge, prompt: string, a: string, b: string): BothOrders;
