/**
 * All activities, built by a factory that closes over their dependencies, registered under
 * namespaced names (`rlaif.generate`, ...). Workflows import only the type of this object.
 */
import type { StageInput } from '../src/contracts';
import { producerOf } from './batch';
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
  const activities = {
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
  // A consumer that finds a batch output corrupt recomputes it through the activity that made it.
  deps.rebuild ??= async (ref, consumer) => {
    const producer = producerOf(ref, consumer);
    const run = activities[producer.activity as keyof typeof activities] as
      ((input: StageInput) => Promise<unknown>) | undefined;
    if (!run) throw new Error(`no activity ${producer.activity} on this worker to recompute ${ref.uri}`);
    await run(producer.input);
  };
  return activities;
}

/** The activity interface workflows proxy. */
export type RlaifActivities = ReturnType<typeof createActivities>;
