/** Logits, sequence log-probability and its gradient for the log-linear policy (float64 maths). */
import { maskedSoftmax } from './math';
import {
  allowedTokens,
  promptContext,
  type PolicyGrad,
  type PolicyParams,
  type PromptContext,
} from './policy-params';

/** ctx · Wctx + b for one prompt: the part of the logits that is fixed for the whole response. */
export function contextLogits(p: PolicyParams, ctx: PromptContext): Float64Array {
  const V = p.vocab.size;
  const out = Float64Array.from(p.bias);
  ctx.ids.forEach((id, k) => {
    const v = ctx.values[k] as number;
    const row = id * V;
    for (let j = 0; j < V; j++) out[j] = (out[j] as number) + v * (p.wCtx[row + j] as number);
  });
  return out;
}

/** The logits at one step: Wprev[prev] + Wpos[pos] + the prompt's context logits. */
export function stepLogits(
  p: PolicyParams,
  base: Float64Array,
  prev: number,
  pos: number,
  out?: Float64Array,
): Float64Array {
  const V = p.vocab.size;
  if (pos < 0 || pos >= p.maxLen) throw new Error(`policy: position ${pos} is outside 0..${p.maxLen - 1}`);
  if (prev < 0 || prev >= V)
    throw new Error(`policy: previous token ${prev} is outside the vocabulary of ${V}`);
  const o = out ?? new Float64Array(V);
  const pr = prev * V;
  const po = pos * V;
  for (let j = 0; j < V; j++)
    o[j] = (base[j] as number) + (p.wPrev[pr + j] as number) + (p.wPos[po + j] as number);
  return o;
}

/** The logits of the policy for one (prompt, previous token, position), as the ONNX graph computes them. */
export function policyLogits(p: PolicyParams, prompt: string, prev: number, pos: number): Float64Array {
  return stepLogits(p, contextLogits(p, promptContext(p.vocab, prompt)), prev, pos);
}

/** The token ids of a response; throws when a word is not in the vocabulary or it is too long. */
export function encodeResponse(p: PolicyParams, response: string): number[] {
  const words = response.split(/\s+/).filter(Boolean);
  const bad = words.find((w) => !p.vocab.has(w) || w === '<bos>' || w === '<eos>' || w === '<unk>');
  if (bad !== undefined)
    throw new Error(`policy: response word "${bad}" is not a word the policy can produce`);
  if (words.length > p.maxLen) {
    throw new Error(`policy: response has ${words.length} words, the policy produces at most ${p.maxLen}`);
  }
  return words.map((w) => p.vocab.id(w));
}

const allowedCache = new WeakMap<object, boolean[]>();
function allowedFor(p: PolicyParams): boolean[] {
  let a = allowedCache.get(p.vocab);
  if (!a) {
    a = allowedTokens(p.vocab);
    allowedCache.set(p.vocab, a);
  }
  return a;
}

/**
 * log π(y|x) summed over the response tokens and the closing <eos> (forced, so free, after maxLen
 * words). When `grad` is given, adds `scale · ∇ log π(y|x)` into it: the same pass computes both,
 * so the gradient always matches the value.
 */
export function tokensLogProb(
  p: PolicyParams,
  ctx: PromptContext,
  ids: readonly number[],
  grad?: PolicyGrad,
  scale = 1,
): number {
  if (ids.length > p.maxLen) throw new Error(`policy: ${ids.length} tokens exceed maxLen ${p.maxLen}`);
  const V = p.vocab.size;
  const allowed = allowedFor(p);
  const base = contextLogits(p, ctx);
  const logits = new Float64Array(V);
  const probs = new Float64Array(V);
  // Σ_t of the logit gradients: the bias and the ctx rows see the same vector at every step, so
  // they are updated once per sequence instead of once per token.
  const shared = grad ? new Float64Array(V) : undefined;
  let total = 0;
  const steps = ids.length < p.maxLen ? ids.length + 1 : ids.length;
  for (let t = 0; t < steps; t++) {
    const prev = t === 0 ? p.vocab.bos : (ids[t - 1] as number);
    const target = t < ids.length ? (ids[t] as number) : p.vocab.eos;
    if (!allowed[target]) throw new Error(`policy: token ${p.vocab.tokens[target]} cannot be produced`);
    stepLogits(p, base, prev, t, logits);
    const logZ = maskedSoftmax(logits, allowed, 1, probs);
    total += (logits[target] as number) - logZ;
    if (grad && shared) {
      // d log softmax(target) / d logits = onehot(target) − p; each logit is a plain sum of one row
      // of each weight, so that vector goes into those rows (ctx rows scaled by their value).
      probs[target] = (probs[target] as number) - 1;
      const pr = prev * V;
      const po = t * V;
      for (let j = 0; j < V; j++) {
        const g = -scale * (probs[j] as number);
        grad.wPrev[pr + j] = (grad.wPrev[pr + j] as number) + g;
        grad.wPos[po + j] = (grad.wPos[po + j] as number) + g;
        shared[j] = (shared[j] as number) + g;
      }
    }
  }
  if (grad && shared) {
    for (let j = 0; j < V; j++) grad.bias[j] = (grad.bias[j] as number) + (shared[j] as number);
    ctx.ids.forEach((id, k) => {
      const v = ctx.values[k] as number;
      const row = id * V;
      for (let j = 0; j < V; j++)
        grad.wCtx[row + j] = (grad.wCtx[row + j] as number) + v * (shared[j] as number);
    });
  }
  return total;
}

/** log π(response | prompt) under the policy at temperature 1. */
export function sequenceLogProb(p: PolicyParams, prompt: string, response: string): number {
  return tokensLogProb(p, promptContext(p.vocab, prompt), encodeResponse(p, response));
}
