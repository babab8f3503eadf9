"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.zeroReward = zeroReward;
exports.rewardOf = rewardOf;
/** A zero reward head. */
function zeroReward(dim) {
    return { dim, weights: new Float32Array(dim), bias: new Float32Array(1) };
}
/** r = w · f + b for sparse features (float64 maths). */
function rewardOf(model, f) {
    let r = model.bias[0];
    for (let k = 0; k < f.idx.length; k++)
        r += model.weights[f.idx[k]] * f.val[k];
    return r;
}
//# sourceMappingURL=linear-reward.js.map