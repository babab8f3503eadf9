/**
 * Train the reward model on every preference so far (this round's added to the pool of earlier
 * rounds), Bradley–Terry on the judge's soft labels, exported to ONNX.
 */
import type { StageInput, StageOutput } from '../src/contracts';
import type { PreferenceRow } from '../src/stages/types';
import { stageKey } from '../src/store/artifact';
import { seedFrom } from '../src/util/rng';
import { classified } from './context';
import { compute } from './compute';
import type { ActivityDeps } from './deps';
import { onceOnly } from './once';
import { requireArtifact } from './stage-helpers';

export function createTrainRewardActivity(deps: ActivityDeps) {
  const { store } = deps;
  return async function trainReward(input: StageInput): Promise<StageOutput> {
    return classified(async () => {
      const { runKey, round, stageId, config, board } = input;
      return onceOnly(store, stageKey(runKey, round, stageId, 'result.json'), async () => {
        const fresh = await store.readAllJsonl<PreferenceRow>(
          requireArtifact(board.preferences, 'preferences'),
        );
        const earlier = board.preferencePool
          ? await store.readJsonl<PreferenceRow>(board.preferencePool)
          : [];
        const pool = [...earlier, ...fresh];
        const poolRef = await store.commitJsonl(
          stageKey(runKey, round, stageId, 'preference-pool.jsonl'),
          pool,
        );
        const trained = await compute(deps, 'trainReward', {
          pairs: pool,
          options: {
            // One seed for every round keeps each pair on the same side of the held-out split.
            seed: seedFrom(config.seed, 'reward'),
            heldOutFraction: config.rewardModel.heldOutFraction,
            epochs: config.rewardModel.epochs,
            lr: config.rewardModel.lr,
            l2: config.rewardModel.l2,
          },
        });
        const model = await store.commitBytes(
          stageKey(runKey, round, stageId, 'reward-model.onnx'),
          trained.onnx,
          1,
        );
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
