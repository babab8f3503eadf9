/**
 * Direct Preference Optimization with soft labels: with q = p(a ≻ b) and
 * Δ = (log πθ(a) − log πref(a)) − (log πθ(b) − log πref(b)),
 *   L = −[q log σ(βΔ) + (1 − q) log σ(−βΔ)].
 * Soft labels mix both directions by the judge's confidence, so a near-tie barely moves the policy.
 */
import { logSigmoid, sigmoid } from '../models/math';
import { tokensLogProb } from '../models/policy-logprob';
import type { PolicyGrad, PolicyParams, PromptContext } from '../models/policy-params';

/** One preference pair in model form, with the reference log-probs computed once. */
export interface DpoPair {
  ctx: PromptContext;
  a: number[];
  b: number[];
  q: number;
  refA: number;
  refB: number;
}

/** The value of one pair: its loss and the implicit reward margin βΔ. */
export interface DpoPairValue {
  loss: number;
  margin: number;
}

/** Loss of one pair; when `grad` is given adds `scale · ∇L` to it. */
export function dpoPairLoss(
  p: PolicyParams,
  pair: DpoPair,
  beta: number,
  grad?: PolicyGrad,
  scale = 1,
): DpoPairValue {
  const la = tokensLogProb(p, pair.ctx, pair.a);
  const lb = tokensLogProb(p, pair.ctx, pair.b);
  const z = beta * (la - pair.refA - (lb - pair.refB));
  const loss = -(pair.q * logSigmoid(z) + (1 - pair.q) * logSigmoid(-z));
  if (grad) {
    // dL/dΔ = β (σ(βΔ) − q); ∇Δ = ∇ log πθ(a) − ∇ log πθ(b).
    const g = beta * (sigmoid(z) - pair.q) * scale;
    tokensLogProb(p, pair.ctx, pair.a, grad, g);
    tokensLogProb(p, pair.ctx, pair.b, grad, -g);
  }
  return { loss, margin: z };
}

/** Mean loss over pairs; when `grad` is given adds the gradient of that mean to it. */
export function dpoLoss(p: PolicyParams, pairs: DpoPair[], beta: number, grad?: PolicyGrad): number {
  if (pairs.length === 0) throw new Error('dpoLoss: no pairs');
  let total = 0;
  for (const pair of pairs) total += dpoPairLoss(p, pair, beta, grad, 1 / pairs.length).loss;
  return total / pairs.length;
}
