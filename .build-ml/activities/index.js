"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.createActivities = createActivities;
/**
 * All activities, built by a factory that closes over their dependencies, registered under
 * namespaced names (`rlaif.generate`, ...). Workflows import only the type of this object.
 */
const checkpoint_1 = require("./checkpoint");
const evaluate_1 = require("./evaluate");
const generate_1 = require("./generate");
const judge_1 = require("./judge");
const optimize_policy_1 = require("./optimize-policy");
const prepare_1 = require("./prepare");
const train_reward_1 = require("./train-reward");
function createActivities(deps) {
    const { judge, score } = (0, judge_1.createJudgeActivities)(deps);
    const { loadCheckpoint, saveCheckpoint } = (0, checkpoint_1.createCheckpointActivities)(deps);
    return {
        'rlaif.prepare': (0, prepare_1.createPrepareActivity)(deps),
        'rlaif.loadCheckpoint': loadCheckpoint,
        'rlaif.saveCheckpoint': saveCheckpoint,
        'rlaif.generate': (0, generate_1.createGenerateActivity)(deps),
        'rlaif.judge': judge,
        'rlaif.score': score,
        'rlaif.trainReward': (0, train_reward_1.createTrainRewardActivity)(deps),
        'rlaif.optimizePolicy': (0, optimize_policy_1.createOptimizePolicyActivity)(deps),
        'rlaif.evaluate': (0, evaluate_1.createEvaluateActivity)(deps),
    };
}
//# sourceMappingURL=index.js.map