import type { PolicyGrad, PolicyParams, PromptContext } from '../models/policy-params';
/** One sampled response with everything the update needs. */
export interface Rollout {
    ids: number[];
    /** log πθ(y|x) when sampled. */
    logprob: number;
    /** log πref(y|x). */
    refLogprob: number;
    /** r(x, y) from the reward model or judge. */
    reward: number;
}
/** The rollouts of one prompt (RLOO needs at least two). */
export interface RolloutGroup {
    ctx: PromptContext;
    rollouts: Rollout[];
}
/** R_i − mean_{j≠i} R_j: each sample's baseline is the mean of the others of the same prompt. */
export declare function rlooAdvantages(returns: number[]): number[];
/** The KL-shaped return of one rollout. */
export declare function shapedReturn(r: Rollout, beta: number): number;
/**
 * The REINFORCE surrogate S(θ) = (1/N) Σ_i A_i log πθ(y_i|x_i) with the advantages A held fixed
 * (its gradient is the policy-gradient estimate). When `grad` is given, adds `scale · ∇S` to it.
 */
export declare function reinforceSurrogate(p: PolicyParams, groups: RolloutGroup[], advantages: number[][], grad?: PolicyGrad, scale?: number): number;
/** Advantages of every group from its KL-shaped returns. */
export declare function groupAdvantages(groups: RolloutGroup[], beta: number): number[][];
