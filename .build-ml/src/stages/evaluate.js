"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.evaluatePolicy = evaluatePolicy;
/** Stage: win rate of a policy against the initial policy on held-out prompts, judged in both orders. */
const debias_1 = require("../judges/debias");
const onnx_policy_runtime_1 = require("../models/onnx-policy-runtime");
const policy_1 = require("../models/policy");
const stats_1 = require("../eval/stats");
const reward_model_1 = require("../reward/reward-model");
const abort_1 = require("./abort");
async function sampleOnce(onnx, source, prompts, opts) {
    const runtime = await onnx_policy_runtime_1.OnnxPolicyRuntime.create(onnx, source);
    try {
        return await runtime.generate(prompts, { samplesPerPrompt: 1, temperature: opts.temperature, seed: opts.seed, maxTokens: opts.maxTokens });
    }
    finally {
        await runtime.release();
    }
}
/**
 * One sample per held-out prompt from each policy, drawn with the same seed (common random
 * numbers: a policy evaluated against itself scores exactly 0.5), judged in both orders. A win is
 * a debiased p > 0.5, a tie (p = 0.5) counts half; the interval is Wilson's at 95%. meanReward
 * is the reward model's mean over the policy's samples when one is given, else the judge's score
 * normalized to [0, 1]; kl is the mean of log πθ(y|x) − log π0(y|x) over the policy's samples.
 */
async function evaluatePolicy(policyOnnx, initialOnnx, prompts, judge, opts, onProgress, signal) {
    if (prompts.length === 0)
        throw new Error('evaluatePolicy: no prompts');
    const total = 3;
    (0, abort_1.throwIfAborted)(signal, 'evaluatePolicy');
    const mine = await sampleOnce(policyOnnx, 'policy checkpoint', prompts, opts);
    onProgress?.(1, total);
    (0, abort_1.throwIfAborted)(signal, 'evaluatePolicy');
    const base = await sampleOnce(initialOnnx, 'initial checkpoint', prompts, opts);
    onProgress?.(2, total);
    (0, abort_1.throwIfAborted)(signal, 'evaluatePolicy');
    let wins = 0;
    let flips = 0;
    mine.forEach((m, i) => {
        const b = base[i];
        const j = (0, debias_1.judgeBothOrders)(judge, m.prompt, m.response, b.response);
        wins += j.p > 0.5 ? 1 : j.p === 0.5 ? 0.5 : 0;
        if (j.flipped)
            flips++;
    });
    const n = mine.length;
    const scores = mine.map((m) => judge.score(m.prompt, m.response));
    let meanReward;
    if (opts.rewardOnnx) {
        const rm = await reward_model_1.OnnxRewardModel.create(opts.rewardOnnx, 'reward model');
        try {
            meanReward = (0, stats_1.mean)(await rm.score(mine.map((m) => ({ prompt: m.prompt, response: m.response }))));
        }
        finally {
            await rm.release();
        }
    }
    else {
        meanReward = (0, stats_1.mean)(scores.map((s) => (s - 1) / 9));
    }
    const initial = (0, policy_1.policyFromOnnx)(initialOnnx, 'initial checkpoint');
    const kl = (0, stats_1.mean)(mine.map((m) => m.logprob - (0, policy_1.tokensLogProb)(initial, (0, policy_1.promptContext)(initial.vocab, m.prompt), (0, policy_1.encodeResponse)(initial, m.response))));
    onProgress?.(3, total);
    return {
        winRate: wins / n,
        winRateCI: (0, stats_1.wilsonInterval)(wins, n),
        n,
        meanReward,
        meanJudgeScore: (0, stats_1.mean)(scores),
        kl,
        flipRate: flips / n,
    };
}
//# sourceMappingURL=evaluate.js.map