"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.createEvaluateActivity = createEvaluateActivity;
const artifact_1 = require("../src/store/artifact");
const rng_1 = require("../src/util/rng");
const context_1 = require("./context");
const compute_1 = require("./compute");
const once_1 = require("./once");
const stage_helpers_1 = require("./stage-helpers");
function createEvaluateActivity(deps) {
    const { store } = deps;
    return async function evaluate(input) {
        return (0, context_1.classified)(async () => {
            const { runKey, round, stageId, config, board } = input;
            return (0, once_1.onceOnly)(store, (0, artifact_1.stageKey)(runKey, round, stageId, 'result.json'), async () => {
                const policy = await store.readBytes((0, stage_helpers_1.requireArtifact)(board.newPolicy ?? board.policy, 'policy'));
                const initial = await store.readBytes((0, stage_helpers_1.requireArtifact)(board.initialPolicy, 'initialPolicy'));
                const prompts = await store.readJsonl((0, stage_helpers_1.requireArtifact)(board.evalPrompts, 'evalPrompts'));
                const rewardOnnx = board.rewardModel ? await store.readBytes(board.rewardModel) : undefined;
                const result = await (0, compute_1.compute)(deps, 'evaluate', {
                    policy,
                    initial,
                    prompts,
                    judge: { positionBias: config.judge.positionBias, sharpness: config.judge.sharpness },
                    options: {
                        seed: (0, rng_1.seedFrom)(config.seed, 'evaluate'),
                        temperature: config.evaluate.temperature,
                        maxTokens: config.generate.maxTokens,
                        rewardOnnx,
                    },
                });
                const report = { round, ...result };
                await store.commitJsonl((0, artifact_1.stageKey)(runKey, round, stageId, 'evaluation.jsonl'), [report]);
                return {
                    artifacts: {},
                    metrics: {
                        winRateVsInitial: result.winRate,
                        winRateLow: result.winRateCI[0],
                        winRateHigh: result.winRateCI[1],
                        evalComparisons: result.n,
                        meanReward: result.meanReward,
                        meanJudgeScore: result.meanJudgeScore,
                        klToInitial: result.kl,
                        evalFlipRate: result.flipRate,
                    },
                };
            });
        });
    };
}
//# sourceMappingURL=evaluate.js.map