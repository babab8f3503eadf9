/** Sampling from the policy in JavaScript, for the training loops (the ONNX runtime serves generation). */
import type { Rng } from '../util/rng';
import { maskedSoftmax } from './math';
import { contextLogits, stepLogits } from './policy-logprob';
import { allowedTokens, type PolicyParams, type PromptContext } from './policy-params';

/** One sampled response: its token ids, its text and log π(y|x) at temperature 1. */
export interface SampledResponse {
  ids: number[];
  response: string;
  logprob: number;
}

/** Draws an index from a probability vector with one uniform number. */
export function drawIndex(probs: ArrayLike<number>, u: number): number {
  let acc = 0;
  let last = -1;
  for (let i = 0; i < probs.length; i++) {
    const q = probs[i] as number;
    if (q <= 0) continue;
    acc += q;
    last = i;
    if (u < acc) return i;
  }
  if (last < 0) throw new Error('drawIndex: the distribution has no mass');
  // Rounding can leave acc a hair below 1; the remainder belongs to the last possible token.
  return last;
}

/**
 * Samples a response at `temperature`; the returned log-probability is at temperature 1, as the
 * losses need. Generation stops at <eos>, at the model's maxLen, or (with <eos> forced, and its
 * probability counted) after `maxTokens` words.
 */
export function sampleResponse(
  p: PolicyParams,
  ctx: PromptContext,
  rng: Rng,
  opts: { temperature: number; maxTokens?: number },
): SampledResponse {
  if (!(opts.temperature > 0))
    throw new Error(`sampleResponse: temperature must be > 0, got ${opts.temperature}`);
  const limit = Math.min(opts.maxTokens ?? p.maxLen, p.maxLen);
  const V = p.vocab.size;
  const allowed = allowedTokens(p.vocab);
  const base = contextLogits(p, ctx);
  const logits = new Float64Array(V);
  const probs = new Float64Array(V);
  const ids: number[] = [];
  let logprob = 0;
  for (let t = 0; t < p.maxLen; t++) {
    stepLogits(p, base, t === 0 ? p.vocab.bos : (ids[t - 1] as number), t, logits);
    // At temperature 1 the sampling distribution is the one whose log-prob is reported: one softmax.
    const logZ = maskedSoftmax(logits, allowed, 1, probs);
    let token: number;
    if (t === limit) {
      token = p.vocab.eos;
    } else {
      if (opts.temperature !== 1) maskedSoftmax(logits, allowed, opts.temperature, probs);
      token = drawIndex(probs, rng.next());
    }
    logprob += (logits[token] as number) - logZ;
    if (token === p.vocab.eos) break;
    ids.push(token);
  }
  return { ids, response: p.vocab.decode(ids), logprob };
}
