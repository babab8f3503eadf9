/**
 * All activities, built by a factory that closes over their dependencies, registered under
 * namespaced names (`rlaif.generate`, ...). Workflows import only the type of this object.
 */
import { producerOfArtifact, rebuilding } from './rebuild';
import { createCheckpointActivities } from './checkpoint';
import type { BuiltInActivity } from '../src/config/stage-types';
import type { RunConfig, StageInput, StageOutput } from '../src/contracts';
import { configLoader, type WithConfigRef } from './config-ref';
import { classified } from './context';
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
  // Stages whose outputs are whole-stage artifacts record their input, so those can be made again.
  const batch = { record: false };
  const whole = { record: true };
  // Stage activities take the run config by reference (config-ref.ts); their bodies, and the
  // inputs they record, see it whole. Errors from loading it or from rebuilding an artifact are
  // classified like the bodies' own: activity options list no non-retryable types (see
  // workflows/stage-options.ts), so a permanent error must say so itself.
  const load = configLoader(deps.store);
  const withConfig = <I extends { config: RunConfig }, O>(run: (input: I) => Promise<O>) => {
    const loaded = load(run);
    return (input: WithConfigRef<I>) => classified(() => loaded(input));
  };
  const activities = {
    'rlaif.prepare': createPrepareActivity(deps),
    'rlaif.loadCheckpoint': loadCheckpoint,
    'rlaif.saveCheckpoint': saveCheckpoint,
    'rlaif.judgeBatchSubmit': withConfig(rebuilding(deps, judgeBatchSubmit, batch)),
    'rlaif.judgeBatchPoll': withConfig(judgeBatchPoll),
    // One implementation per activity the stage registry names (src/config/stage-types.ts).
    ...({
      'rlaif.generate': withConfig(rebuilding(deps, createGenerateActivity(deps), batch)),
      'rlaif.judge': withConfig(rebuilding(deps, judge, batch)),
      'rlaif.score': withConfig(rebuilding(deps, score, batch)),
      'rlaif.trainReward': withConfig(rebuilding(deps, createTrainRewardActivity(deps), whole)),
      'rlaif.optimizePolicy': withConfig(rebuilding(deps, createOptimizePolicyActivity(deps), whole)),
      'rlaif.evaluate': withConfig(rebuilding(deps, createEvaluateActivity(deps), whole)),
    } satisfies Record<BuiltInActivity, (input: WithConfigRef<StageInput>) => Promise<StageOutput>>),
  };
  // A consumer that finds an artifact corrupt has it made again by the activity that made it.
  deps.rebuild ??= async (ref, consumer) => {
    const producer = await producerOfArtifact(deps.store, ref, consumer);
    const run = activities[producer.activity as keyof typeof activities] as
      ((input: unknown) => Promise<unknown>) | undefined;
    if (!run) throw new Error(`no activity ${producer.activity} on this worker to recompute ${ref.uri}`);
    await run(producer.input);
  };
  return activities;
}

/** The activity interface workflows proxy. */
export type RlaifActivities = ReturnType<typeof createActivities>;
