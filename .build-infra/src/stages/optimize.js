"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.rewardFromOnnx = rewardFromOnnx;
exports.rewardFromJudge = rewardFromJudge;
exports.optimizeWithReward = optimizeWithReward;
exports.optimizeWithDpo = optimizeWithDpo;
const policy_1 = require("../models/policy");
const adam_1 = require("../policy/adam");
const dpo_1 = require("../policy/dpo");
const reinforce_1 = require("../policy/reinforce");
const reward_model_1 = require("../reward/reward-model");
const rng_1 = require("../util/rng");
const abort_1 = require("./abort");
/** A reward function backed by a reward model's ONNX bytes on onnxruntime-node; release it when done. */
async function rewardFromOnnx(bytes) {
    const model = await reward_model_1.OnnxRewardModel.create(bytes, 'reward model');
    return {
        reward: async (rows) => Array.from(await model.score(rows)),
        release: () => model.release(),
    };
}
/** Direct RLAIF: the judge's expected 1–10 score, mapped to [0, 1] by (s − 1) / 9. No reward model. */
function rewardFromJudge(judge) {
    return async (rows) => rows.map((r) => (judge.score(r.prompt, r.response) - 1) / 9);
}
function loadPair(policyOnnx, referenceOnnx) {
    const policy = (0, policy_1.policyFromOnnx)(policyOnnx, 'policy checkpoint');
    const ref = (0, policy_1.policyFromOnnx)(referenceOnnx, 'reference checkpoint');
    if (policy.maxLen !== ref.maxLen || policy.vocab.tokens.join('\n') !== ref.vocab.tokens.join('\n')) {
        throw new Error('the policy and reference checkpoints have different vocabularies or maxLen; they must share one');
    }
    return { policy, ref };
}
/** The prompts of every step: passes over the prompts, each pass in its own seeded order. */
function promptSchedule(prompts, seed, steps, perStep) {
    const batches = [];
    let pass = 0;
    let order = [];
    for (let s = 0; s < steps; s++) {
        const batch = [];
        while (batch.length < Math.min(perStep, prompts.length)) {
            if (order.length === 0)
                order = new rng_1.Rng((0, rng_1.seedFrom)(seed, 'prompt-order', pass++)).shuffle(prompts);
            batch.push(order.pop());
        }
        batches.push(batch);
    }
    return batches;
}
/**
 * REINFORCE with a leave-one-out baseline against `reward`, the KL to the reference folded into
 * the return (R = r − β (log πθ − log πref)); one Adam step per batch of promptsPerStep ×
 * samplesPerPrompt fresh samples. `meanReward` and `kl` (mean log πθ − log πref of the samples)
 * are averaged over the last quarter of the steps, where the policy is close to the one returned.
 */
async function optimizeWithReward(policyOnnx, referenceOnnx, prompts, reward, opts, onProgress, signal) {
    if (prompts.length === 0)
        throw new Error('optimizeWithReward: no prompts');
    if (!(opts.samplesPerPrompt >= 2))
        throw new Error(`optimizeWithReward: samplesPerPrompt must be >= 2 for the RLOO baseline, got ${opts.samplesPerPrompt}`);
    if (!(opts.steps >= 1))
        throw new Error(`optimizeWithReward: steps must be >= 1, got ${opts.steps}`);
    (0, abort_1.throwIfAborted)(signal, 'optimizeWithReward');
    const { policy, ref } = loadPair(policyOnnx, referenceOnnx);
    const adam = new adam_1.Adam((0, policy_1.policyGroups)(policy), { lr: opts.lr });
    const grad = (0, policy_1.zeroGrad)(policy);
    const schedule = promptSchedule(prompts, opts.seed, opts.steps, opts.promptsPerStep);
    const tail = Math.max(1, Math.floor(opts.steps / 4));
    let rewardSum = 0;
    let klSum = 0;
    let tailSamples = 0;
    for (let step = 0; step < opts.steps; step++) {
        (0, abort_1.throwIfAborted)(signal, 'optimizeWithReward');
        const batch = schedule[step];
        const groups = [];
        const rows = [];
        for (const p of batch) {
            const ctx = (0, policy_1.promptContext)(policy.vocab, p.prompt);
            const rollouts = [];
            for (let k = 0; k < opts.samplesPerPrompt; k++) {
                const s = (0, policy_1.sampleResponse)(policy, ctx, new rng_1.Rng((0, rng_1.seedFrom)(opts.seed, 'rollout', step, p.id, k)), opts);
                rollouts.push({ ids: s.ids, logprob: s.logprob, refLogprob: (0, policy_1.tokensLogProb)(ref, ctx, s.ids), reward: 0 });
                rows.push({ prompt: p.prompt, response: s.response });
            }
            groups.push({ ctx, rollouts });
        }
        const rewards = await reward(rows);
        if (rewards.length !== rows.length)
            throw new Error(`reward function returned ${rewards.length} values for ${rows.length} rows`);
        let i = 0;
        for (const g of groups) {
            for (const r of g.rollouts) {
                const v = rewards[i++];
                if (!Number.isFinite(v))
                    throw new Error(`reward function returned ${v} for a response`);
                r.reward = v;
                if (step >= opts.steps - tail) {
                    rewardSum += v;
                    klSum += r.logprob - r.refLogprob;
                    tailSamples++;
                }
            }
        }
        grad.wPrev.fill(0);
        grad.wCtx.fill(0);
        grad.wPos.fill(0);
        grad.bias.fill(0);
        // Adam descends, so the surrogate's gradient goes in with scale −1.
        (0, reinforce_1.reinforceSurrogate)(policy, groups, (0, reinforce_1.groupAdvantages)(groups, opts.beta), grad, -1);
        adam.step((0, policy_1.gradGroups)(grad));
        onProgress?.(step + 1, opts.steps);
        await (0, abort_1.yieldToEventLoop)();
    }
    return { onnx: (0, policy_1.exportPolicyOnnx)(policy), meanReward: rewardSum / tailSamples, kl: klSum / tailSamples };
}
/** Pairs per DPO minibatch. */
const DPO_BATCH = 32;
/**
 * DPO with soft labels on judged pairs, the reference held fixed; minibatch Adam over `epochs`
 * passes. Returns the final mean loss over all pairs and the mean implicit reward margin
 * β·Δ oriented toward the preferred response (pairs with q = 0.5 left out; 0 when all are ties).
 */
async function optimizeWithDpo(policyOnnx, referenceOnnx, pairs, opts, onProgress, signal) {
    if (pairs.length === 0)
        throw new Error('optimizeWithDpo: no pairs');
    (0, abort_1.throwIfAborted)(signal, 'optimizeWithDpo');
    const { policy, ref } = loadPair(policyOnnx, referenceOnnx);
    const data = pairs.map((row) => {
        const ctx = (0, policy_1.promptContext)(policy.vocab, row.prompt);
        const a = (0, policy_1.encodeResponse)(policy, row.a);
        const b = (0, policy_1.encodeResponse)(policy, row.b);
        return { ctx, a, b, q: row.p, refA: (0, policy_1.tokensLogProb)(ref, ctx, a), refB: (0, policy_1.tokensLogProb)(ref, ctx, b) };
    });
    const adam = new adam_1.Adam((0, policy_1.policyGroups)(policy), { lr: opts.lr });
    const grad = (0, policy_1.zeroGrad)(policy);
    const groups = (0, policy_1.gradGroups)(grad);
    for (let e = 0; e < opts.epochs; e++) {
        const order = new rng_1.Rng((0, rng_1.seedFrom)(opts.seed, 'dpo-epoch', e)).shuffle(data);
        for (let start = 0; start < order.length; start += DPO_BATCH) {
            (0, abort_1.throwIfAborted)(signal, 'optimizeWithDpo');
            groups.forEach((g) => g.fill(0));
            (0, dpo_1.dpoLoss)(policy, order.slice(start, start + DPO_BATCH), opts.beta, grad);
            adam.step(groups);
        }
        onProgress?.(e + 1, opts.epochs);
        await (0, abort_1.yieldToEventLoop)();
    }
    let loss = 0;
    let margin = 0;
    let decisive = 0;
    for (const pair of data) {
        const v = (0, dpo_1.dpoPairLoss)(policy, pair, opts.beta);
        loss += v.loss / data.length;
        if (pair.q !== 0.5) {
            margin += pair.q > 0.5 ? v.margin : -v.margin;
            decisive++;
        }
    }
    return { onnx: (0, policy_1.exportPolicyOnnx)(policy), dpoLoss: loss, rewardMargin: decisive > 0 ? margin / decisive : 0 };
}
//# sourceMappingURL=optimize.js.map