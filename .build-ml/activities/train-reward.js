"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.createTrainRewardActivity = createTrainRewardActivity;
const artifact_1 = require("../src/store/artifact");
const rng_1 = require("../src/util/rng");
const context_1 = require("./context");
const compute_1 = require("./compute");
const once_1 = require("./once");
const stage_helpers_1 = require("./stage-helpers");
function createTrainRewardActivity(deps) {
    const { store } = deps;
    return async function trainReward(input) {
        return (0, context_1.classified)(async () => {
            const { runKey, round, stageId, config, board } = input;
            return (0, once_1.onceOnly)(store, (0, artifact_1.stageKey)(runKey, round, stageId, 'result.json'), async () => {
                const fresh = await store.readAllJsonl((0, stage_helpers_1.requireArtifact)(board.preferences, 'preferences'));
                const earlier = board.preferencePool ? await store.readJsonl(board.preferencePool) : [];
                const pool = [...earlier, ...fresh];
                const poolRef = await store.commitJsonl((0, artifact_1.stageKey)(runKey, round, stageId, 'preference-pool.jsonl'), pool);
                const trained = await (0, compute_1.compute)(deps, 'trainReward', {
                    pairs: pool,
                    options: {
                        seed: (0, rng_1.seedFrom)(config.seed, 'reward', round),
                        heldOutFraction: config.rewardModel.heldOutFraction,
                        epochs: config.rewardModel.epochs,
                        lr: config.rewardModel.lr,
                        l2: config.rewardModel.l2,
                    },
                });
                const model = await store.commitBytes((0, artifact_1.stageKey)(runKey, round, stageId, 'reward-model.onnx'), trained.onnx, 1);
                return {
                    artifacts: { rewardModel: model, preferencePool: poolRef },
                    metrics: {
                        rewardModelAgreement: trained.heldOutAgreement,
                        rewardModelHeldOutPairs: trained.heldOutPairs,
                        rewardModelTrainPairs: trained.trainPairs,
                        rewardModelLoss: trained.trainLoss,
                    },
                };
            });
        });
    };
}
//# sourceMappingURL=train-reward.js.map