/** Stage: improve the policy, against a reward (REINFORCE + RLOO + KL) or straight from the pairs (DPO). */
import type { ScoringJudge } from '../judges/pairwise-judge';
import type { PreferenceRow, ProgressFn, PromptRow } from './types';
/** A batched reward: one number per (prompt, response), higher is better. */
export type RewardFn = (rows: {
    prompt: string;
    response: string;
}[]) => Promise<number[]>;
/** A reward function backed by a reward model's ONNX bytes on onnxruntime-node; release it when done. */
export declare function rewardFromOnnx(bytes: Uint8Array): Promise<{
    reward: RewardFn;
    release(): Promise<void>;
}>;
/** Direct RLAIF: the judge's expected 1–10 score, mapped to [0, 1] by (s − 1) / 9. No reward model. */
export declare function rewardFromJudge(judge: ScoringJudge): RewardFn;
/**
 * REINFORCE with a leave-one-out baseline against `reward`, the KL to the reference folded into
 * the return (R = r − β (log πθ − log πref)); one Adam step per batch of promptsPerStep ×
 * samplesPerPrompt fresh samples. `meanReward` and `kl` (mean log πθ − log πref of the samples)
 * are averaged over the last quarter of the steps, where the policy is close to the one returned.
 */
export declare function optimizeWithReward(policyOnnx: Uint8Array, referenceOnnx: Uint8Array, prompts: PromptRow[], reward: RewardFn, opts: {
    seed: number;
    steps: number;
    promptsPerStep: number;
    samplesPerPrompt: number;
    beta: number;
    lr: number;
    temperature: number;
    maxTokens: number;
}, onProgress?: ProgressFn, signal?: AbortSignal): Promise<{
    onnx: Uint8Array;
    meanReward: number;
    kl: number;
}>;
/**
 * DPO with soft labels on judged pairs, the reference held fixed; minibatch Adam over `epochs`
 * passes. Returns the final mean loss over all pairs and the mean implicit reward margin
 * β·Δ oriented toward the preferred response (pairs with q = 0.5 left out; 0 when all are ties).
 */
export declare function optimizeWithDpo(policyOnnx: Uint8Array, referenceOnnx: Uint8Array, pairs: PreferenceRow[], opts: {
    seed: number;
    epochs: number;
    beta: number;
    lr: number;
}, onProgress?: ProgressFn, signal?: AbortSignal): Promise<{
    onnx: Uint8Array;
    dpoLoss: number;
    rewardMargin: number;
}>;
