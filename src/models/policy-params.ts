/**
 * The policy's parameters. The policy is a small autoregressive log-linear language model:
 *   logits_t = Wprev[prev_t] + ctx · Wctx + Wpos[t] + b
 * where prev_t is the previous token (<bos> at t = 0), ctx the L2-normalized bag of prompt words
 * and t the position of the token being produced. After maxLen words <eos> is forced.
 */
import type { Rng } from '../util/rng';
import type { Vocab } from './vocab';

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
export function initPolicy(vocab: Vocab, maxLen: number, rng?: Rng, scale = 0.01): PolicyParams {
  if (!Number.isInteger(maxLen) || maxLen < 1)
    throw new Error(`initPolicy: maxLen must be a positive integer, got ${maxLen}`);
  const V = vocab.size;
  const make = (n: number): Float32Array => {
    const a = new Float32Array(n);
    if (rng) for (let i = 0; i < n; i++) a[i] = scale * rng.normal();
    return a;
  };
  return { vocab, maxLen, wPrev: make(V * V), wCtx: make(V * V), wPos: make(maxLen * V), bias: make(V) };
}

/** A deep copy of the weights (the vocabulary is immutable and shared). */
export function clonePolicy(p: PolicyParams): PolicyParams {
  return {
    vocab: p.vocab,
    maxLen: p.maxLen,
    wPrev: p.wPrev.slice(),
    wCtx: p.wCtx.slice(),
    wPos: p.wPos.slice(),
    bias: p.bias.slice(),
  };
}

/** A zero gradient for the policy's shapes. */
export function zeroGrad(p: PolicyParams): PolicyGrad {
  return {
    wPrev: new Float64Array(p.wPrev.length),
    wCtx: new Float64Array(p.wCtx.length),
    wPos: new Float64Array(p.wPos.length),
    bias: new Float64Array(p.bias.length),
  };
}

/** The parameter arrays in a fixed order, for the optimizer. */
export function policyGroups(p: PolicyParams): Float32Array[] {
  return [p.wPrev, p.wCtx, p.wPos, p.bias];
}

/** The gradient arrays in the same order as `policyGroups`. */
export function gradGroups(g: PolicyGrad): Float64Array[] {
  return [g.wPrev, g.wCtx, g.wPos, g.bias];
}

/** The model input `ctx` of a prompt: counts of its words, scaled to unit L2 norm. */
export function promptContext(vocab: Vocab, prompt: string): PromptContext {
  const counts = new Map<number, number>();
  for (const id of vocab.encode(prompt)) counts.set(id, (counts.get(id) ?? 0) + 1);
  const ids = [...counts.keys()].sort((a, b) => a - b);
  const norm = Math.sqrt(ids.reduce((s, i) => s + (counts.get(i) as number) ** 2, 0));
  return { ids, values: ids.map((i) => (counts.get(i) as number) / norm) };
}

/** The dense [V] ctx row of a prompt, as fed to the ONNX model. */
export function denseContext(
  vocab: Vocab,
  ctx: PromptContext,
  out = new Float32Array(vocab.size),
): Float32Array {
  out.fill(0);
  ctx.ids.forEach((id, k) => (out[id] = ctx.values[k] as number));
  return out;
}

/** Which tokens the policy may produce: everything but <bos> and <unk>. */
export function allowedTokens(vocab: Vocab): boolean[] {
  return vocab.tokens.map((_, i) => i !== vocab.bos && i !== vocab.unk);
}
