"use strict";
/** Small numeric helpers shared by the models and losses (computed in float64). */
Object.defineProperty(exports, "__esModule", { value: true });
exports.sigmoid = sigmoid;
exports.logSigmoid = logSigmoid;
exports.maskedSoftmax = maskedSoftmax;
/** The logistic function σ(x) = 1 / (1 + e^−x), stable for large |x|. */
function sigmoid(x) {
    if (x >= 0)
        return 1 / (1 + Math.exp(-x));
    const e = Math.exp(x);
    return e / (1 + e);
}
/** log σ(x), stable for large |x|: −softplus(−x). */
function logSigmoid(x) {
    return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
}
/**
 * Softmax of `logits / temperature` over the allowed entries only (the others get probability 0),
 * written into `out`. Returns log Σ exp over the allowed entries (the log normalizer).
 */
function maskedSoftmax(logits, allowed, temperature, out) {
    let max = -Infinity;
    for (let i = 0; i < logits.length; i++) {
        if (allowed[i] && logits[i] / temperature > max)
            max = logits[i] / temperature;
    }
    if (max === -Infinity)
        throw new Error('maskedSoftmax: no token is allowed');
    let sum = 0;
    for (let i = 0; i < logits.length; i++) {
        const e = allowed[i] ? Math.exp(logits[i] / temperature - max) : 0;
        out[i] = e;
        sum += e;
    }
    for (let i = 0; i < logits.length; i++)
        out[i] = out[i] / sum;
    return max + Math.log(sum);
}
//# sourceMappingURL=math.js.map