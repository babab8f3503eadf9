"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.rlooAdvantages = rlooAdvantages;
exports.shapedReturn = shapedReturn;
exports.reinforceSurrogate = reinforceSurrogate;
exports.groupAdvantages = groupAdvantages;
/**
 * Policy gradient with a leave-one-out baseline (RLOO) and a KL penalty to the reference folded
 * into the reward: R = r − β (log πθ(y|x) − log πref(y|x)).
 */
const policy_logprob_1 = require("../models/policy-logprob");
/** R_i − mean_{j≠i} R_j: each sample's baseline is the mean of the others of the same prompt. */
function rlooAdvantages(returns) {
    const k = returns.length;
    if (k < 2)
        throw new Error(`rlooAdvantages: needs at least 2 samples per prompt, got ${k}`);
    const sum = returns.reduce((a, b) => a + b, 0);
    return returns.map((r) => r - (sum - r) / (k - 1));
}
/** The KL-shaped return of one rollout. */
function shapedReturn(r, beta) {
    return r.reward - beta * (r.logprob - r.refLogprob);
}
/**
 * The REINFORCE surrogate S(θ) = (1/N) Σ_i A_i log πθ(y_i|x_i) with the advantages A held fixed
 * (its gradient is the policy-gradient estimate). When `grad` is given, adds `scale · ∇S` to it.
 */
function reinforceSurrogate(p, groups, advantages, grad, scale = 1) {
    const n = groups.reduce((s, g) => s + g.rollouts.length, 0);
    if (n === 0)
        throw new Error('reinforceSurrogate: no rollouts');
    let s = 0;
    groups.forEach((g, gi) => {
        g.rollouts.forEach((r, ri) => {
            const a = advantages[gi][ri];
            s += (a / n) * (0, policy_logprob_1.tokensLogProb)(p, g.ctx, r.ids, a === 0 ? undefined : grad, (scale * a) / n);
        });
    });
    return s;
}
/** Advantages of every group from its KL-shaped returns. */
function groupAdvantages(groups, beta) {
    return groups.map((g) => rlooAdvantages(g.rollouts.map((r) => shapedReturn(r, beta))));
}
//# sourceMappingURL=reinforce.js.map