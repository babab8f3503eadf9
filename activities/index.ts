/**
 * All activities, built by a factory that closes over their dependencies, registered under
 * namespaced names (`rlaif.generate`, ...). Workflows import only the type of this object.
 */
import { createCheckpointActivities } from './checkpoint';
import type { ActivityDeps } from './deps';
import { createEvaluateActivity } from './evaluate';
import { createGenerateActivity } from './generate';
import { createJudgeActivities } from './judge';
import { createOptimizePolicyActivity } from './optimize-policy';
import { createPrepareActivity } from './prepare';
import { createTrainRewardActivity } from './train-reward';

export type { ActivityDeps } from './deps';

export function createActivities(deps: ActivityDeps) {
  const { judge, score, judgeBatchSubmit, judgeBatchPoll } = createJudgeActivities(deps);
  const { loadCheckpoint, saveCheckpoint } = createCheckpointActivities(deps);
  return {
    'rlaif.prepare': createPrepareActivity(deps),
    'rlaif.loadCheckpoint': loadCheckpoint,
    'rlaif.saveCheckpoint': saveCheckpoint,
    'rlaif.generate': createGenerateActivity(deps),
    'rlaif.judge': judge,
    'rlaif.score': score,
    'rlaif.judgeBatchSubmit': judgeBatchSubmit,
    'rlaif.judgeBatchPoll': judgeBatchPoll,
    'rlaif.trainReward': createTrainRewardActivity(deps),
    'rlaif.optimizePolicy': createOptimizePolicyActivity(deps),
    'rlaif.evaluate': createEvaluateActivity(deps),
  };
}

/** The activity interface workflows proxy. */
export type RlaifActivities = ReturnType<typeof createActivities>;
