"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DEMO_DEFAULTS = void 0;
exports.runInProcess = runInProcess;
/**
 * The whole RLAIF loop in one process, with no Temporal: prepare, then per round generate → judge
 * → (train reward model) → optimize → evaluate. It is the reference the workflows must match and
 * the "plain script" baseline for benchmarks.
 */
const create_1 = require("../judges/create");
const judge_1 = require("../stages/judge");
const generate_1 = require("../stages/generate");
const evaluate_1 = require("../stages/evaluate");
const optimize_1 = require("../stages/optimize");
const prepare_1 = require("../stages/prepare");
const train_reward_1 = require("../stages/train-reward");
const rng_1 = require("../util/rng");
/** The calibrated demo configuration (3 rounds; measured by tests/ml/learning.test.ts). */
exports.DEMO_DEFAULTS = {
    preset: 'classic',
    seed: 7,
    rounds: 3,
    data: { trainPrompts: 1024, evalPrompts: 512, sftExamples: 2000 },
    sft: { epochs: 8, lr: 0.05, maxTokens: 10 },
    generate: { samplesPerPrompt: 2, temperature: 1 },
    judge: { positionBias: -1, sharpness: 1.5 },
    reward: { heldOutFraction: 0.2, epochs: 200, lr: 0.05, l2: 1e-4 },
    optimize: { steps: 60, promptsPerStep: 32, samplesPerPrompt: 4, beta: 0.2, lr: 0.03, temperature: 1 },
    direct: { beta: 0.01, lr: 0.03 },
    dpo: { epochs: 3, beta: 0.5, lr: 0.02 },
    evaluate: { temperature: 1 },
};
/** Runs the loop; `onRound` sees each report as soon as its round ends. */
async function runInProcess(opts, onRound, signal) {
    const t0 = performance.now();
    const secondsSince = (t) => (performance.now() - t) / 1000;
    const maxTokens = opts.sft.maxTokens;
    const judge = (0, create_1.createLocalJudge)(opts.judge);
    const data = (0, prepare_1.makeDemoData)({ seed: opts.seed, ...opts.data });
    const initial = await (0, prepare_1.trainInitialPolicy)(data.sft, { seed: (0, rng_1.seedFrom)(opts.seed, 'sft'), ...opts.sft }, undefined, signal);
    const prepare = secondsSince(t0);
    let policy = initial.onnx;
    const preferences = [];
    const rounds = [];
    for (let round = 1; round <= opts.rounds; round++) {
        let t = performance.now();
        const seconds = { generate: 0, judge: 0, reward: 0, optimize: 0, evaluate: 0 };
        const responses = await (0, generate_1.generateResponses)(policy, data.train, { ...opts.generate, seed: (0, rng_1.seedFrom)(opts.seed, 'generate', round), maxTokens }, undefined, signal);
        seconds.generate = secondsSince(t);
        t = performance.now();
        const pairs = (0, judge_1.judgePairs)(judge, responses);
        preferences.push(...pairs);
        seconds.judge = secondsSince(t);
        let rewardReport;
        let rewardOnnx;
        if (opts.preset === 'classic') {
            t = performance.now();
            // One seed for every round keeps each pair on the same side of the held-out split.
            const rm = await (0, train_reward_1.trainRewardModel)(preferences, { seed: (0, rng_1.seedFrom)(opts.seed, 'reward'), ...opts.reward }, undefined, signal);
            rewardOnnx = rm.onnx;
            rewardReport = { heldOutAgreement: rm.heldOutAgreement, heldOutPairs: rm.heldOutPairs, trainPairs: rm.trainPairs, trainLoss: rm.trainLoss };
            seconds.reward = secondsSince(t);
        }
        t = performance.now();
        let optimizeReport;
        const optimizeSeed = (0, rng_1.seedFrom)(opts.seed, 'optimize', round);
        if (opts.preset === 'dpo') {
            const out = await (0, optimize_1.optimizeWithDpo)(policy, initial.onnx, preferences, { seed: optimizeSeed, ...opts.dpo }, undefined, signal);
            policy = out.onnx;
            optimizeReport = { dpoLoss: out.dpoLoss, rewardMargin: out.rewardMargin };
        }
        else if (opts.preset === 'direct') {
            const out = await (0, optimize_1.optimizeWithReward)(policy, initial.onnx, data.train, (0, optimize_1.rewardFromJudge)(judge), { ...opts.optimize, ...opts.direct, seed: optimizeSeed, maxTokens }, undefined, signal);
            policy = out.onnx;
            optimizeReport = { meanReward: out.meanReward, kl: out.kl };
        }
        else {
            const rm = await (0, optimize_1.rewardFromOnnx)(rewardOnnx);
            try {
                const out = await (0, optimize_1.optimizeWithReward)(policy, initial.onnx, data.train, rm.reward, { ...opts.optimize, seed: optimizeSeed, maxTokens }, undefined, signal);
                policy = out.onnx;
                optimizeReport = { meanReward: out.meanReward, kl: out.kl };
            }
            finally {
                await rm.release();
            }
        }
        seconds.optimize = secondsSince(t);
        t = performance.now();
        const evaluation = await (0, evaluate_1.evaluatePolicy)(policy, initial.onnx, data.eval, judge, { seed: (0, rng_1.seedFrom)(opts.seed, 'evaluate'), temperature: opts.evaluate.temperature, maxTokens, ...(rewardOnnx ? { rewardOnnx } : {}) }, undefined, signal);
        seconds.evaluate = secondsSince(t);
        const report = {
            round,
            preferences: preferences.length,
            judgeFlipRate: (0, judge_1.flipRate)(pairs),
            ...(rewardReport ? { reward: rewardReport } : {}),
            optimize: optimizeReport,
            evaluation,
            seconds,
        };
        rounds.push(report);
        onRound?.(report);
    }
    return { preset: opts.preset, sftLoss: initial.finalLoss, initialOnnx: initial.onnx, policyOnnx: policy, rounds, seconds: { prepare, total: secondsSince(t0) } };
}
//# sourceMappingURL=in-process.js.map