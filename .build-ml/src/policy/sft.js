"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.encodeSft = encodeSft;
exports.sftLoss = sftLoss;
exports.trainSft = trainSft;
/** Supervised fine-tuning: maximum likelihood of the SFT responses given their prompts. */
const policy_logprob_1 = require("../models/policy-logprob");
const policy_params_1 = require("../models/policy-params");
const rng_1 = require("../util/rng");
const adam_1 = require("./adam");
/** Encodes SFT rows; throws naming the row whose response the policy cannot produce. */
function encodeSft(p, rows) {
    return rows.map((r, i) => {
        try {
            return { ctx: (0, policy_params_1.promptContext)(p.vocab, r.prompt), ids: (0, policy_logprob_1.encodeResponse)(p, r.response) };
        }
        catch (err) {
            throw new Error(`SFT row ${i}: ${err.message}`);
        }
    });
}
/** Mean negative log-likelihood per token (the response words and the closing <eos>). */
function sftLoss(p, data) {
    if (data.length === 0)
        throw new Error('sftLoss: no examples');
    let nll = 0;
    let tokens = 0;
    for (const ex of data) {
        nll -= (0, policy_logprob_1.tokensLogProb)(p, ex.ctx, ex.ids);
        tokens += tokenCount(p, ex);
    }
    return nll / tokens;
}
function tokenCount(p, ex) {
    return ex.ids.length < p.maxLen ? ex.ids.length + 1 : ex.ids.length;
}
/**
 * Minibatch Adam on the per-token NLL, updating `p` in place. `onEpoch` runs after each epoch with
 * that epoch's mean training loss (it may be async, e.g. to yield or to check for cancellation).
 */
async function trainSft(p, data, opts, onEpoch) {
    if (data.length === 0)
        throw new Error('trainSft: no examples');
    const adam = new adam_1.Adam((0, policy_params_1.policyGroups)(p), { lr: opts.lr });
    const grad = (0, policy_params_1.zeroGrad)(p);
    const groups = (0, policy_params_1.gradGroups)(grad);
    let epochLoss = sftLoss(p, data);
    for (let e = 0; e < opts.epochs; e++) {
        const order = new rng_1.Rng((0, rng_1.seedFrom)(opts.seed, 'sft-epoch', e)).shuffle(data);
        let nll = 0;
        let tokens = 0;
        for (let start = 0; start < order.length; start += opts.batchSize) {
            const batch = order.slice(start, start + opts.batchSize);
            const batchTokens = batch.reduce((s, ex) => s + tokenCount(p, ex), 0);
            groups.forEach((g) => g.fill(0));
            // Loss = −(1/T) Σ log π, so each example's ∇ log π enters with scale −1/T.
            for (const ex of batch)
                nll -= (0, policy_logprob_1.tokensLogProb)(p, ex.ctx, ex.ids, grad, -1 / batchTokens);
            tokens += batchTokens;
            adam.step(groups);
        }
        epochLoss = nll / tokens;
        await onEpoch?.(e + 1, epochLoss);
    }
    return epochLoss;
}
//# sourceMappingURL=sft.js.map