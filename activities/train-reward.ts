/**
 * Train the reward model on every preference so far (this round's added to the pool of earlier
 * rounds), Bradley–Terry on the judge's soft labels, exported to ONNX.
 */
import type { StageInput, StageOutput } from '../src/contracts';
import type { PreferenceRow } from '../src/stages/types';
import { stageKey } from '../src/store/artifact';
import { seedFrom } from '../src/util/rng';
import { readFile } from 'node:fs/promises';
import { EmbeddingFeaturizer } from '../src/reward/embedding-features';
import { trainEmbeddingRewardModel } from '../src/reward/embedding-reward';
import { UserOnnxRewardModel } from '../src/reward/user-onnx-reward';
import {
  agreementWithJudge,
  splitHeldOut,
  type RewardTrainingOptions,
  type TrainedRewardModel,
} from '../src/stages/train-reward';
import { activitySignal, classified, reportProgress } from './context';
import { capabilitiesOf, endpointOf } from './llm-backends';
import { compute } from './compute';
import type { ActivityDeps } from './deps';
import { readBatchOutputs } from './batch';
import { onceOnly } from './once';
import { requireArtifact } from './stage-helpers';

export function createTrainRewardActivity(deps: ActivityDeps) {
  const { store } = deps;

  /**
   * The reward model of the configured kind: lexical features trained in a compute thread;
   * a Bradley–Terry head on endpoint embeddings (cached in the store by content hash, so an
   * embedding is paid for once); or the user's own ONNX model, which is not trained but checked
   * against the judge on the same held-out pairs, and copied into the store as its claim check.
   */
  async function trainByKind(
    input: StageInput,
    pairs: PreferenceRow[],
    options: RewardTrainingOptions,
  ): Promise<TrainedRewardModel> {
    const { runKey, config } = input;
    const rm = config.rewardModel;
    if (rm.kind === 'embedding') {
      const featurizer = new EmbeddingFeaturizer({
        endpoint: endpointOf(deps, config, rm.endpoint, 'rewardModel.endpoint'),
        cacheDir: store.scratchDir(`runs/${runKey}/embeddings`),
      });
      return trainEmbeddingRewardModel(
        pairs,
        featurizer,
        options,
        (done, total) => reportProgress({ step: done, total }),
        activitySignal(),
      );
    }
    if (rm.kind === 'onnx') {
      const caps = capabilitiesOf(deps);
      const modelPath = await caps.dataFile(rm.modelFile ?? '', 'rewardModel.modelFile');
      const model = await UserOnnxRewardModel.create({
        modelPath,
        tokenizerPath: await caps.dataFile(rm.tokenizerFile ?? '', 'rewardModel.tokenizerFile'),
        maxLength: rm.maxLength,
      });
      try {
        const { held } = splitHeldOut(pairs, options.seed, options.heldOutFraction);
        const rA = await model.score(held.map((p) => ({ prompt: p.prompt, response: p.a })));
        const rB = await model.score(held.map((p) => ({ prompt: p.prompt, response: p.b })));
        return {
          onnx: await readFile(modelPath),
          heldOutAgreement: agreementWithJudge(held, rA, rB),
          heldOutPairs: held.length,
          trainPairs: 0,
          trainLoss: Number.NaN,
        };
      } finally {
        await model.release();
      }
    }
    return compute(deps, 'trainReward', { pairs, options });
  }

  return async function trainReward(input: StageInput): Promise<StageOutput> {
    return classified(async () => {
      const { runKey, round, stageId, config, board } = input;
      return onceOnly(store, stageKey(runKey, round, stageId, 'result.json'), async () => {
        const fresh = await readBatchOutputs<PreferenceRow>(
          deps,
          input,
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
        const options = {
          // One seed for every round keeps each pair on the same side of the held-out split.
          seed: seedFrom(config.seed, 'reward'),
          heldOutFraction: config.rewardModel.heldOutFraction,
          epochs: config.rewardModel.epochs,
          lr: config.rewardModel.lr,
          l2: config.rewardModel.l2,
        };
        const trained = await trainByKind(input, pool, options);
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
