/** Sampling from the policy in JavaScript, for the training loops (the ONNX runtime serves generation). */
import type { Rng } from '../util/rng';
import { type PolicyParams, type PromptContext } from './policy-params';
/** One sampled response: its token ids, its text and log π(y|x) at temperature 1. */
export interface SampledResponse {
    ids: number[];
    response: string;
    logprob: number;
}
/** Draws an index from a probability vector with one uniform number. */
export declare function drawIndex(probs: ArrayLike<number>, u: number): number;
/**
 * Samples a response at `temperature`; the returned log-probability is at temperature 1, as the
 * losses need. Generation stops at <eos>, at the model's maxLen, or (with <eos> forced, and its
 * probability counted) after `maxTokens` words.
 */
export declare function sampleResponse(p: PolicyParams, ctx: PromptContext, rng: Rng, opts: {
    temperature: number;
    maxTokens?: number;
}): SampledResponse;
