import type { PairwiseJudge, ScoringJudge } from '../judges/pairwise-judge';
import type { ProgressFn, PromptRow } from './types';
/**
 * One sample per held-out prompt from each policy, drawn with the same seed (common random
 * numbers: a policy evaluated against itself scores exactly 0.5), judged in both orders. A win is
 * a debiased p > 0.5, a tie (p = 0.5) counts half; the interval is Wilson's at 95%. meanReward
 * is the reward model's mean over the policy's samples when one is given, else the judge's score
 * normalized to [0, 1]; kl is the mean of log πθ(y|x) − log π0(y|x) over the policy's samples.
 */
export declare function evaluatePolicy(policyOnnx: Uint8Array, initialOnnx: Uint8Array, prompts: PromptRow[], judge: PairwiseJudge & ScoringJudge, opts: {
    seed: number;
    temperature: number;
    maxTokens: number;
    rewardOnnx?: Uint8Array;
}, onProgress?: ProgressFn, signal?: AbortSignal): Promise<{
    winRate: number;
    winRateCI: [number, number];
    n: number;
    meanReward: number;
    meanJudgeScore: number;
    kl: number;
    flipRate: number;
}>;
