"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.drawIndex = drawIndex;
exports.sampleResponse = sampleResponse;
const math_1 = require("./math");
const policy_logprob_1 = require("./policy-logprob");
const policy_params_1 = require("./policy-params");
/** Draws an index from a probability vector with one uniform number. */
function drawIndex(probs, u) {
    let acc = 0;
    let last = -1;
    for (let i = 0; i < probs.length; i++) {
        const q = probs[i];
        if (q <= 0)
            continue;
        acc += q;
        last = i;
        if (u < acc)
            return i;
    }
    if (last < 0)
        throw new Error('drawIndex: the distribution has no mass');
    // Rounding can leave acc a hair below 1; the remainder belongs to the last possible token.
    return last;
}
/**
 * Samples a response at `temperature`; the returned log-probability is at temperature 1, as the
 * losses need. Generation stops at <eos>, at the model's maxLen, or (with <eos> forced, and its
 * probability counted) after `maxTokens` words.
 */
function sampleResponse(p, ctx, rng, opts) {
    if (!(opts.temperature > 0))
        throw new Error(`sampleResponse: temperature must be > 0, got ${opts.temperature}`);
    const limit = Math.min(opts.maxTokens ?? p.maxLen, p.maxLen);
    const V = p.vocab.size;
    const allowed = (0, policy_params_1.allowedTokens)(p.vocab);
    const base = (0, policy_logprob_1.contextLogits)(p, ctx);
    const logits = new Float64Array(V);
    const probs = new Float64Array(V);
    const ids = [];
    let logprob = 0;
    for (let t = 0; t < p.maxLen; t++) {
        (0, policy_logprob_1.stepLogits)(p, base, t === 0 ? p.vocab.bos : ids[t - 1], t, logits);
        let token;
        if (t === limit) {
            token = p.vocab.eos;
        }
        else {
            (0, math_1.maskedSoftmax)(logits, allowed, opts.temperature, probs);
            token = drawIndex(probs, rng.next());
        }
        const logZ = (0, math_1.maskedSoftmax)(logits, allowed, 1, probs);
        logprob += logits[token] - logZ;
        if (token === p.vocab.eos)
            break;
        ids.push(token);
    }
    return { ids, response: p.vocab.decode(ids), logprob };
}
//# sourceMappingURL=policy-sample.js.map