import { type PolicyGrad, type PolicyParams, type PromptContext } from './policy-params';
/** ctx · Wctx + b for one prompt: the part of the logits that is fixed for the whole response. */
export declare function contextLogits(p: PolicyParams, ctx: PromptContext): Float64Array;
/** The logits at one step: Wprev[prev] + Wpos[pos] + the prompt's context logits. */
export declare function stepLogits(p: PolicyParams, base: Float64Array, prev: number, pos: number, out?: Float64Array): Float64Array;
/** The logits of the policy for one (prompt, previous token, position), as the ONNX graph computes them. */
export declare function policyLogits(p: PolicyParams, prompt: string, prev: number, pos: number): Float64Array;
/** The token ids of a response; throws when a word is not in the vocabulary or it is too long. */
export declare function encodeResponse(p: PolicyParams, response: string): number[];
/**
 * log π(y|x) summed over the response tokens and the closing <eos> (forced, so free, after maxLen
 * words). When `grad` is given, adds `scale · ∇ log π(y|x)` into it: the same pass computes both,
 * so the gradient always matches the value.
 */
export declare function tokensLogProb(p: PolicyParams, ctx: PromptContext, ids: readonly number[], grad?: PolicyGrad, scale?: number): number;
/** log π(response | prompt) under the policy at temperature 1. */
export declare function sequenceLogProb(p: PolicyParams, prompt: string, response: string): number;
/** Adds scale · ∇θ log π(response | prompt) into `grad` and returns log π(response | prompt). */
export declare function accumulateLogProbGrad(p: PolicyParams, grad: PolicyGrad, prompt: string, response: string, scale: number): number;
