"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.initPolicy = initPolicy;
exports.clonePolicy = clonePolicy;
exports.zeroGrad = zeroGrad;
exports.policyGroups = policyGroups;
exports.gradGroups = gradGroups;
exports.promptContext = promptContext;
exports.denseContext = denseContext;
exports.allowedTokens = allowedTokens;
/** New policy weights: zeros (uniform over the allowed tokens) or small normal noise when `rng` is given. */
function initPolicy(vocab, maxLen, rng, scale = 0.01) {
    if (!Number.isInteger(maxLen) || maxLen < 1)
        throw new Error(`initPolicy: maxLen must be a positive integer, got ${maxLen}`);
    const V = vocab.size;
    const make = (n) => {
        const a = new Float32Array(n);
        if (rng)
            for (let i = 0; i < n; i++)
                a[i] = scale * rng.normal();
        return a;
    };
    return { vocab, maxLen, wPrev: make(V * V), wCtx: make(V * V), wPos: make(maxLen * V), bias: make(V) };
}
/** A deep copy of the weights (the vocabulary is immutable and shared). */
function clonePolicy(p) {
    return {
        vocab: p.vocab,
        maxLen: p.maxLen,
        wPrev: p.wPrev.slice(),
        wCtx: p.wCtx.slice(),
        wPos: p.wPos.slice(),
        bias: p.bias.slice(),
    };
}
/** A zero gradient for the policy's shapes. */
function zeroGrad(p) {
    return {
        wPrev: new Float64Array(p.wPrev.length),
        wCtx: new Float64Array(p.wCtx.length),
        wPos: new Float64Array(p.wPos.length),
        bias: new Float64Array(p.bias.length),
    };
}
/** The parameter arrays in a fixed order, for the optimizer. */
function policyGroups(p) {
    return [p.wPrev, p.wCtx, p.wPos, p.bias];
}
/** The gradient arrays in the same order as `policyGroups`. */
function gradGroups(g) {
    return [g.wPrev, g.wCtx, g.wPos, g.bias];
}
/** The model input `ctx` of a prompt: counts of its words, scaled to unit L2 norm. */
function promptContext(vocab, prompt) {
    const counts = new Map();
    for (const id of vocab.encode(prompt))
        counts.set(id, (counts.get(id) ?? 0) + 1);
    const ids = [...counts.keys()].sort((a, b) => a - b);
    const norm = Math.sqrt(ids.reduce((s, i) => s + counts.get(i) ** 2, 0));
    return { ids, values: ids.map((i) => counts.get(i) / norm) };
}
/** The dense [V] ctx row of a prompt, as fed to the ONNX model. */
function denseContext(vocab, ctx, out = new Float32Array(vocab.size)) {
    out.fill(0);
    ctx.ids.forEach((id, k) => (out[id] = ctx.values[k]));
    return out;
}
/** Which tokens the policy may produce: everything but <bos> and <unk>. */
function allowedTokens(vocab) {
    return vocab.tokens.map((_, i) => i !== vocab.bos && i !== vocab.unk);
}
//# sourceMappingURL=policy-params.js.map