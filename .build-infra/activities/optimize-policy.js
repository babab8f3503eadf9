"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.createOptimizePolicyActivity = createOptimizePolicyActivity;
const artifact_1 = require("../src/store/artifact");
const rng_1 = require("../src/util/rng");
const context_1 = require("./context");
const compute_1 = require("./compute");
const once_1 = require("./once");
const stage_helpers_1 = require("./stage-helpers");
function createOptimizePolicyActivity(deps) {
    const { store } = deps;
    return async function optimizePolicy(input) {
        return (0, context_1.classified)(async () => {
            const { runKey, round, stageId, config, board } = input;
            const method = input.method ?? 'reward-model';
            return (0, once_1.onceOnly)(store, (0, artifact_1.stageKey)(runKey, round, stageId, 'result.json'), async () => {
                const policy = await store.readBytes((0, stage_helpers_1.requireArtifact)(board.policy, 'policy'));
                const reference = await store.readBytes((0, stage_helpers_1.requireArtifact)(board.initialPolicy, 'initialPolicy'));
                const seed = (0, rng_1.seedFrom)(config.seed, 'optimize', round);
                const opt = config.policy.optimizer;
                const options = {
                    seed,
                    steps: opt.steps,
                    promptsPerStep: opt.promptsPerStep,
                    samplesPerPrompt: opt.samplesPerPrompt,
                    beta: opt.beta,
                    lr: opt.lr,
                    temperature: opt.temperature,
                    maxTokens: config.generate.maxTokens,
                };
                let onnx;
                let metrics;
                if (method === 'dpo') {
                    const pairs = await store.readAllJsonl((0, stage_helpers_1.requireArtifact)(board.preferences, 'preferences'));
                    const dpo = config.policy.dpo;
                    const out = await (0, compute_1.compute)(deps, 'optimizeWithDpo', {
                        policy,
                        reference,
                        pairs,
                        options: { seed, epochs: dpo.epochs, beta: dpo.beta, lr: dpo.lr },
                    });
                    onnx = out.onnx;
                    metrics = { dpoLoss: out.dpoLoss, dpoRewardMargin: out.rewardMargin, dpoPairs: pairs.length };
                }
                else {
                    const prompts = await store.readJsonl((0, stage_helpers_1.requireArtifact)(board.trainPrompts, 'trainPrompts'));
                    const reward = method === 'judge-score'
                        ? { kind: 'judge', judge: { positionBias: config.judge.positionBias, sharpness: config.judge.sharpness } }
                        : { kind: 'onnx', model: await store.readBytes((0, stage_helpers_1.requireArtifact)(board.rewardModel, 'rewardModel')) };
                    const out = await (0, compute_1.compute)(deps, 'optimizeWithReward', { policy, reference, prompts, reward, options });
                    onnx = out.onnx;
                    metrics = { trainMeanReward: out.meanReward, trainKl: out.kl };
                }
                const newPolicy = await store.commitBytes((0, artifact_1.stageKey)(runKey, round, stageId, 'policy.onnx'), onnx, 1);
                return { artifacts: { newPolicy }, metrics };
            });
        });
    };
}
//# sourceMappingURL=optimize-policy.js.map