/**
 * Policy gradient with a leave-one-out baseline (RLOO) and a KL penalty to the reference folded
 * into the reward: R = r − β (log πθ(y|x) − log πref(y|x)).
 */
import { tokensLogProb } from '../models/policy-logprob';
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
export function rlooAdvantages(returns: number[]): number[] {
  const k = returns.length;
  if (k < 2) throw new Error(`rlooAdvantages: needs at least 2 samples per prompt, got ${k}`);
  const sum = returns.reduce((a, b) => a + b, 0);
  return returns.map((r) => r - (sum - r) / (k - 1));
}

/** The KL-shaped return of one rollout. */
export function shapedReturn(r: Rollout, beta: number): number {
  return r.reward - beta * (r.logprob - r.refLogprob);
}

/**
 * The REINFORCE surrogate S(θ) = (1/N) Σ_i A_i log πθ(y_i|x_i) with the advantages A held fixed
 * (its gradient is the policy-gradient estimate). When `grad` is given, adds `scale · ∇S` to it.
 */
export function reinforceSurrogate(
  p: PolicyParams,
  groups: RolloutGroup[],
  advantages: number[][],
  grad?: PolicyGrad,
  scale = 1,
): number {
  const n = groups.reduce((s, g) => s + g.rollouts.length, 0);
  if (n === 0) throw new Error('reinforceSurrogate: no rollouts');
  let s = 0;
  groups.forEach((g, gi) => {
    g.rollouts.forEach((r, ri) => {
      const a = (advantages[gi] as number[])[ri] as number;
      s += (a / n) * tokensLogProb(p, g.ctx, r.ids, a === 0 ? undefined : grad, (scale * a) / n);
    });
  });
  return s;
}

/** Advantages of every group from its KL-shaped returns. */
export function groupAdvantages(groups: RolloutGroup[], beta: number): number[][] {
  return groups.map((g) => rlooAdvantages(g.rollouts.map((r) => shapedReturn(r, beta))));
}
