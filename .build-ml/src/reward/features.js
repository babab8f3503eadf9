"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.FEATURIZER = exports.FEATURE_DIM = void 0;
exports.featurizeSparse = featurizeSparse;
exports.featurize = featurize;
exports.featurizeBatch = featurizeBatch;
/**
 * The reward model's featurizer: a fixed-size hashed vector of lexical features of a (prompt,
 * response) pair. It knows nothing of topics or of the judge's rules; which words go with which
 * prompts is left for the Bradley–Terry head to learn from the preferences.
 */
const rng_1 = require("../util/rng");
/** Length of the feature vector (hash buckets). */
exports.FEATURE_DIM = +(process.env.FDIM||4096);
/** Name of this featurizer, stored in the reward model's ONNX metadata so a mismatch is caught. */
exports.FEATURIZER = 'hashed-lexical-v1';
const LONGEST_BUCKET = 12;
function words(text) {
    return text.toLowerCase().split(/\s+/).filter(Boolean);
}
/**
 * The sparse features: for each distinct response word its presence, its count and its extra
 * repeats; for each (prompt word, distinct response word) pair its presence and extra repeats
 * (conjunctions, so "which words suit this prompt" is learnable by a linear head); the response
 * length as a one-hot bucket; the total number of repeated words. Signed hashing (a second hash
 * bit picks ±1) keeps collisions from biasing a weight.
 */
function featurizeSparse(prompt, response, dim = exports.FEATURE_DIM) {
    const out = { idx: [], val: [] };
    const add = (key, value) => {
        const h = (0, rng_1.seedFrom)('f', key);
        out.idx.push(h % dim);
        out.val.push(h & 0x80000000 ? -value : value);
    };
    const resp = words(response);
    const counts = new Map();
    for (const w of resp)
        counts.set(w, (counts.get(w) ?? 0) + 1);
    const promptWords = [...new Set(words(prompt))];
    let repeats = 0;
    for (const [w, c] of counts) {
        add(`w:${w}`, 1);
        add(`c:${w}`, c);
        if (c > 1)
            add(`r:${w}`, c - 1);
        repeats += c - 1;
        for (const p of promptWords) {
            add(`pw:${p}|${w}`, 1);
            if (c > 1)
                add(`pr:${p}|${w}`, c - 1);
        }
    }
    add(`len:${Math.min(resp.length, LONGEST_BUCKET)}`, 1);
    add('repeats', repeats);
    return out;
}
/** The dense feature vector of one (prompt, response), written into `out` when given. */
function featurize(prompt, response, out = new Float32Array(exports.FEATURE_DIM)) {
    out.fill(0);
    const f = featurizeSparse(prompt, response, out.length);
    f.idx.forEach((i, k) => (out[i] = out[i] + f.val[k]));
    return out;
}
/** Dense features of many rows as one row-major [N, D] block, the reward model's ONNX input. */
function featurizeBatch(rows, dim = exports.FEATURE_DIM) {
    const block = new Float32Array(rows.length * dim);
    rows.forEach((r, i) => featurize(r.prompt, r.response, block.subarray(i * dim, (i + 1) * dim)));
    return block;
}
//# sourceMappingURL=features.js.map