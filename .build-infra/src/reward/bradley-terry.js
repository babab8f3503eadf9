"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.btLoss = btLoss;
exports.trainBradleyTerry = trainBradleyTerry;
/**
 * Bradley–Terry reward-model training on soft labels. Soft labels keep the judge's confidence:
 * a near-tie (q ≈ 0.5) asks for r_A ≈ r_B instead of a confident order the judge never gave.
 */
const math_1 = require("../models/math");
const adam_1 = require("../policy/adam");
const linear_reward_1 = require("./linear-reward");
/**
 * L = mean over pairs of −[q log σ(r_A − r_B) + (1 − q) log σ(r_B − r_A)] + c · mean((r_A + r_B)²)
 * + λ‖w‖². When `grad` is given it is overwritten with ∇L.
 */
function btLoss(model, pairs, reg, grad) {
    if (pairs.length === 0)
        throw new Error('btLoss: no pairs');
    if (grad) {
        grad.weights.fill(0);
        grad.bias.fill(0);
    }
    const n = pairs.length;
    let loss = 0;
    const addGrad = (f, g) => {
        if (!grad)
            return;
        for (let k = 0; k < f.idx.length; k++) {
            const i = f.idx[k];
            grad.weights[i] = grad.weights[i] + g * f.val[k];
        }
        grad.bias[0] = grad.bias[0] + g;
    };
    for (const pair of pairs) {
        const rA = (0, linear_reward_1.rewardOf)(model, pair.a);
        const rB = (0, linear_reward_1.rewardOf)(model, pair.b);
        const d = rA - rB;
        const s = rA + rB;
        loss += (-(pair.q * (0, math_1.logSigmoid)(d) + (1 - pair.q) * (0, math_1.logSigmoid)(-d)) + reg.centering * s * s) / n;
        // dL/dd = σ(d) − q; the centering term adds 2c·s to both rewards.
        const gd = ((0, math_1.sigmoid)(d) - pair.q) / n;
        const gs = (2 * reg.centering * s) / n;
        addGrad(pair.a, gd + gs);
        addGrad(pair.b, -gd + gs);
    }
    for (let i = 0; i < model.dim; i++) {
        const w = model.weights[i];
        loss += reg.l2 * w * w;
        if (grad)
            grad.weights[i] = grad.weights[i] + 2 * reg.l2 * w;
    }
    return loss;
}
/**
 * Fits a linear reward head with full-batch Adam (one step per epoch: the data are small and the
 * loss convex, so the full gradient is cheap and needs no shuffling). Awaits `onEpoch` after each
 * step, so the caller can yield, report progress or throw to stop.
 */
async function trainBradleyTerry(pairs, opts, onEpoch) {
    const model = (0, linear_reward_1.zeroReward)(opts.dim);
    const grad = { weights: new Float64Array(opts.dim), bias: new Float64Array(1) };
    const adam = new adam_1.Adam([model.weights, model.bias], { lr: opts.lr });
    let loss = btLoss(model, pairs, opts, grad);
    for (let e = 0; e < opts.epochs; e++) {
        adam.step([grad.weights, grad.bias]);
        loss = btLoss(model, pairs, opts, grad);
        await onEpoch?.(e + 1, loss);
    }
    return { model, loss };
}
//# sourceMappingURL=bradley-terry.js.map