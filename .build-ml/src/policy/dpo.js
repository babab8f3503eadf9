"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.dpoPairLoss = dpoPairLoss;
exports.dpoLoss = dpoLoss;
/**
 * Direct Preference Optimization with soft labels: with q = p(a ≻ b) and
 * Δ = (log πθ(a) − log πref(a)) − (log πθ(b) − log πref(b)),
 *   L = −[q log σ(βΔ) + (1 − q) log σ(−βΔ)].
 * Soft labels mix both directions by the judge's confidence, so a near-tie barely moves the policy.
 */
const math_1 = require("../models/math");
const policy_logprob_1 = require("../models/policy-logprob");
/** Loss of one pair; when `grad` is given adds `scale · ∇L` to it. */
function dpoPairLoss(p, pair, beta, grad, scale = 1) {
    const la = (0, policy_logprob_1.tokensLogProb)(p, pair.ctx, pair.a);
    const lb = (0, policy_logprob_1.tokensLogProb)(p, pair.ctx, pair.b);
    const z = beta * (la - pair.refA - (lb - pair.refB));
    const loss = -(pair.q * (0, math_1.logSigmoid)(z) + (1 - pair.q) * (0, math_1.logSigmoid)(-z));
    if (grad) {
        // dL/dΔ = β (σ(βΔ) − q); ∇Δ = ∇ log πθ(a) − ∇ log πθ(b).
        const g = beta * ((0, math_1.sigmoid)(z) - pair.q) * scale;
        (0, policy_logprob_1.tokensLogProb)(p, pair.ctx, pair.a, grad, g);
        (0, policy_logprob_1.tokensLogProb)(p, pair.ctx, pair.b, grad, -g);
    }
    return { loss, margin: z };
}
/** Mean loss over pairs; when `grad` is given adds the gradient of that mean to it. */
function dpoLoss(p, pairs, beta, grad) {
    if (pairs.length === 0)
        throw new Error('dpoLoss: no pairs');
    let total = 0;
    for (const pair of pairs)
        total += dpoPairLoss(p, pair, beta, grad, 1 / pairs.length).loss;
    return total / pairs.length;
}
//# sourceMappingURL=dpo.js.map