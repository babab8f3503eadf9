"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.contextLogits = contextLogits;
exports.stepLogits = stepLogits;
exports.policyLogits = policyLogits;
exports.encodeResponse = encodeResponse;
exports.tokensLogProb = tokensLogProb;
exports.sequenceLogProb = sequenceLogProb;
exports.accumulateLogProbGrad = accumulateLogProbGrad;
/** Logits, sequence log-probability and its gradient for the log-linear policy (float64 maths). */
const math_1 = require("./math");
const policy_params_1 = require("./policy-params");
/** ctx · Wctx + b for one prompt: the part of the logits that is fixed for the whole response. */
function contextLogits(p, ctx) {
    const V = p.vocab.size;
    const out = Float64Array.from(p.bias);
    ctx.ids.forEach((id, k) => {
        const v = ctx.values[k];
        const row = id * V;
        for (let j = 0; j < V; j++)
            out[j] = out[j] + v * p.wCtx[row + j];
    });
    return out;
}
/** The logits at one step: Wprev[prev] + Wpos[pos] + the prompt's context logits. */
function stepLogits(p, base, prev, pos, out) {
    const V = p.vocab.size;
    if (pos < 0 || pos >= p.maxLen)
        throw new Error(`policy: position ${pos} is outside 0..${p.maxLen - 1}`);
    if (prev < 0 || prev >= V)
        throw new Error(`policy: previous token ${prev} is outside the vocabulary of ${V}`);
    const o = out ?? new Float64Array(V);
    const pr = prev * V;
    const po = pos * V;
    for (let j = 0; j < V; j++)
        o[j] = base[j] + p.wPrev[pr + j] + p.wPos[po + j];
    return o;
}
/** The logits of the policy for one (prompt, previous token, position), as the ONNX graph computes them. */
function policyLogits(p, prompt, prev, pos) {
    return stepLogits(p, contextLogits(p, (0, policy_params_1.promptContext)(p.vocab, prompt)), prev, pos);
}
/** The token ids of a response; throws when a word is not in the vocabulary or it is too long. */
function encodeResponse(p, response) {
    const words = response.split(/\s+/).filter(Boolean);
    const bad = words.find((w) => !p.vocab.has(w) || w === '<bos>' || w === '<eos>' || w === '<unk>');
    if (bad !== undefined)
        throw new Error(`policy: response word "${bad}" is not a word the policy can produce`);
    if (words.length > p.maxLen) {
        throw new Error(`policy: response has ${words.length} words, the policy produces at most ${p.maxLen}`);
    }
    return words.map((w) => p.vocab.id(w));
}
const allowedCache = new WeakMap();
function allowedFor(p) {
    let a = allowedCache.get(p.vocab);
    if (!a) {
        a = (0, policy_params_1.allowedTokens)(p.vocab);
        allowedCache.set(p.vocab, a);
    }
    return a;
}
/**
 * log π(y|x) summed over the response tokens and the closing <eos> (forced, so free, after maxLen
 * words). When `grad` is given, adds `scale · ∇ log π(y|x)` into it: the same pass computes both,
 * so the gradient always matches the value.
 */
function tokensLogProb(p, ctx, ids, grad, scale = 1) {
    if (ids.length > p.maxLen)
        throw new Error(`policy: ${ids.length} tokens exceed maxLen ${p.maxLen}`);
    const V = p.vocab.size;
    const allowed = allowedFor(p);
    const base = contextLogits(p, ctx);
    const logits = new Float64Array(V);
    const probs = new Float64Array(V);
    let total = 0;
    const steps = ids.length < p.maxLen ? ids.length + 1 : ids.length;
    for (let t = 0; t < steps; t++) {
        const prev = t === 0 ? p.vocab.bos : ids[t - 1];
        const target = t < ids.length ? ids[t] : p.vocab.eos;
        if (!allowed[target])
            throw new Error(`policy: token ${p.vocab.tokens[target]} cannot be produced`);
        stepLogits(p, base, prev, t, logits);
        const logZ = (0, math_1.maskedSoftmax)(logits, allowed, 1, probs);
        total += logits[target] - logZ;
        if (grad) {
            // d log softmax(target) / d logits = onehot(target) − p; each logit is a plain sum of one row
            // of each weight, so that vector is added to those rows (ctx rows scaled by their value).
            probs[target] = probs[target] - 1;
            const pr = prev * V;
            const po = t * V;
            for (let j = 0; j < V; j++) {
                const g = -scale * probs[j];
                grad.wPrev[pr + j] = grad.wPrev[pr + j] + g;
                grad.wPos[po + j] = grad.wPos[po + j] + g;
                grad.bias[j] = grad.bias[j] + g;
            }
            ctx.ids.forEach((id, k) => {
                const v = ctx.values[k];
                const row = id * V;
                for (let j = 0; j < V; j++)
                    grad.wCtx[row + j] = grad.wCtx[row + j] - scale * v * probs[j];
            });
        }
    }
    return total;
}
/** log π(response | prompt) under the policy at temperature 1. */
function sequenceLogProb(p, prompt, response) {
    return tokensLogProb(p, (0, policy_params_1.promptContext)(p.vocab, prompt), encodeResponse(p, response));
}
/** Adds scale · ∇θ log π(response | prompt) into `grad` and returns log π(response | prompt). */
function accumulateLogProbGrad(p, grad, prompt, response, scale) {
    return tokensLogProb(p, (0, policy_params_1.promptContext)(p.vocab, prompt), encodeResponse(p, response), grad, scale);
}
//# sourceMappingURL=policy-logprob.js.map