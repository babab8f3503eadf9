"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.JOBS = void 0;
/**
 * The jobs a compute thread can run. Each takes plain data (model bytes, rows, options) and
 * returns plain data, because it crosses a thread boundary by structured clone.
 */
const create_1 = require("../judges/create");
const onnx_policy_runtime_1 = require("../models/onnx-policy-runtime");
const evaluate_1 = require("../stages/evaluate");
const optimize_1 = require("../stages/optimize");
const prepare_1 = require("../stages/prepare");
const train_reward_1 = require("../stages/train-reward");
exports.JOBS = {
    async sft(args, progress) {
        return (0, prepare_1.trainInitialPolicy)(args.sft, args.options, progress);
    },
    async generate(args, progress) {
        const runtime = await onnx_policy_runtime_1.OnnxPolicyRuntime.create(args.policy);
        try {
            const rows = [];
            for (let start = 0; start < args.prompts.length; start += args.chunk) {
                const part = await runtime.generate(args.prompts.slice(start, start + args.chunk), {
                    samplesPerPrompt: args.samplesPerPrompt,
                    temperature: args.temperature,
                    seed: args.seed,
                    maxTokens: args.maxTokens,
                });
                rows.push(...part);
                progress(Math.min(start + args.chunk, args.prompts.length), args.prompts.length, part);
            }
            return rows;
        }
        finally {
            await runtime.release();
        }
    },
    async trainReward(args, progress) {
        return (0, train_reward_1.trainRewardModel)(args.pairs, args.options, progress);
    },
    async optimizeWithReward(args, progress) {
        if (args.reward.kind === 'judge') {
            const reward = (0, optimize_1.rewardFromJudge)((0, create_1.createLocalJudge)(args.reward.judge));
            return (0, optimize_1.optimizeWithReward)(args.policy, args.reference, args.prompts, reward, args.options, progress);
        }
        const model = await (0, optimize_1.rewardFromOnnx)(args.reward.model);
        try {
            return await (0, optimize_1.optimizeWithReward)(args.policy, args.reference, args.prompts, model.reward, args.options, progress);
        }
        finally {
            await model.release();
        }
    },
    async optimizeWithDpo(args, progress) {
        return (0, optimize_1.optimizeWithDpo)(args.policy, args.reference, args.pairs, args.options, progress);
    },
    async evaluate(args, progress) {
        return (0, evaluate_1.evaluatePolicy)(args.policy, args.initial, args.prompts, (0, create_1.createLocalJudge)(args.judge), args.options, progress);
    },
};
//# sourceMappingURL=jobs.js.map