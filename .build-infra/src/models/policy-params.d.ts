/**
 * The policy's parameters. The policy is a small autoregressive log-linear language model:
 *   logits_t = Wprev[prev_t] + ctx · Wctx + Wpos[t] + b
 * where prev_t is the previous token (<bos> at t = 0), ctx the L2-normalized bag of prompt words
 * and t the position of the token being produced. After maxLen words <eos> is forced.
 */
import { Rng } from '../util/rng';
import { Vocab } from './vocab';
/** The weights of the policy, row-major, in float32 as stored in the ONNX checkpoint. */
export interface PolicyParams {
    readonly vocab: Vocab;
    /** Longest response in words; <eos> is forced after it. */
    readonly maxLen: number;
    /** [V, V]: row = previous token. */
    readonly wPrev: Float32Array;
    /** [V, V]: row = prompt word. */
    readonly wCtx: Float32Array;
    /** [maxLen, V]: row = position. */
    readonly wPos: Float32Array;
    /** [V] */
    readonly bias: Float32Array;
}
/** A gradient with the policy's shapes, in float64 so that many small terms add up exactly. */
export interface PolicyGrad {
    readonly wPrev: Float64Array;
    readonly wCtx: Float64Array;
    readonly wPos: Float64Array;
    readonly bias: Float64Array;
}
/** The prompt as a sparse, L2-normalized bag of word ids (the `ctx` input of the model). */
export interface PromptContext {
    readonly ids: number[];
    readonly values: number[];
}
/** New policy weights: zeros (uniform over the allowed tokens) or small normal noise when `rng` is given. */
export declare function initPolicy(vocab: Vocab, maxLen: number, rng?: Rng, scale?: number): PolicyParams;
/** A deep copy of the weights (the vocabulary is immutable and shared). */
export declare function clonePolicy(p: PolicyParams): PolicyParams;
/** A zero gradient for the policy's shapes. */
export declare function zeroGrad(p: PolicyParams): PolicyGrad;
/** The parameter arrays in a fixed order, for the optimizer. */
export declare function policyGroups(p: PolicyParams): Float32Array[];
/** The gradient arrays in the same order as `policyGroups`. */
export declare function gradGroups(g: PolicyGrad): Float64Array[];
/** The model input `ctx` of a prompt: counts of its words, scaled to unit L2 norm. */
export declare function promptContext(vocab: Vocab, prompt: string): PromptContext;
/** The dense [V] ctx row of a prompt, as fed to the ONNX model. */
export declare function denseContext(vocab: Vocab, ctx: PromptContext, out?: Float32Array<ArrayBuffer>): Float32Array;
/** Which tokens the policy may produce: everything but <bos> and <unk>. */
export declare function allowedTokens(vocab: Vocab): boolean[];
