/**
 * Optimize the policy and write the round's new ONNX checkpoint. The signal comes from the
 * reward model (policy gradient with a KL penalty), the judge's direct scores (d-RLAIF), or the
 * judged pairs themselves (DPO). The KL reference is always the initial policy.
 */
import type { StageSpec } from '../src/config/schema';
import type { ArtifactRef, StageInput, StageOutput } from '../src/contracts';
import type { PreferenceRow, PromptRow } from '../src/stages/types';
import { stageKey } from '../src/store/artifact';
import { seedFrom } from '../src/util/rng';
import { classified } from './context';
import { compute } from './compute';
import type { ActivityDeps } from './deps';
import { onceOnly } from './once';
import { requireArtifact } from './stage-helpers';

export function createOptimizePolicyActivity(deps: ActivityDeps) {
  const { store } = deps;
  return async function optimizePolicy(
    input: StageInput & { method?: StageSpec['method'] },
  ): Promise<StageOutput> {
    return classified(async () => {
      const { runKey, round, stageId, config, board } = input;
      const method = input.method ?? 'reward-model';
      return onceOnly(store, stageKey(runKey, round, stageId, 'result.json'), async () => {
        const policy = await store.readBytes(requireArtifact(board.policy, 'policy'));
        const reference = await store.readBytes(requireArtifact(board.initialPolicy, 'initialPolicy'));
        const seed = seedFrom(config.seed, 'optimize', round);
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
        let onnx: Uint8Array;
        let metrics: Record<string, number>;
        let preferencePool: ArtifactRef | undefined;
        if (method === 'dpo') {
          // Iterative DPO on every pair judged so far, this round's added to the pool.
          const fresh = await store.readAllJsonl<PreferenceRow>(
            requireArtifact(board.preferences, 'preferences'),
          );
          const earlier = board.preferencePool
            ? await store.readJsonl<PreferenceRow>(board.preferencePool)
            : [];
          const pairs = [...earlier, ...fresh];
          preferencePool = await store.commitJsonl(
            stageKey(runKey, round, stageId, 'preference-pool.jsonl'),
            pairs,
          );
          const dpo = config.policy.dpo;
          const out = await compute(deps, 'optimizeWithDpo', {
            policy,
            reference,
            pairs,
            options: { seed, epochs: dpo.epochs, beta: dpo.beta, lr: dpo.lr },
          });
          onnx = out.onnx;
          metrics = { dpoLoss: out.dpoLoss, dpoRewardMargin: out.rewardMargin, dpoPairs: pairs.length };
        } else {
          const prompts = await store.readJsonl<PromptRow>(
            requireArtifact(board.trainPrompts, 'trainPrompts'),
          );
          const reward =
            method === 'judge-score'
              ? ({
                  kind: 'judge',
                  judge: { positionBias: config.judge.positionBias, sharpness: config.judge.sharpness },
                } as const)
              : ({
                  kind: 'onnx',
                  model: await store.readBytes(requireArtifact(board.rewardModel, 'rewardModel')),
                } as const);
          const out = await compute(deps, 'optimizeWithReward', {
            policy,
            reference,
            prompts,
            reward,
            options,
          });
          onnx = out.onnx;
          metrics = { trainMeanReward: out.meanReward, trainKl: out.kl };
        }
        const newPolicy = await store.commitBytes(stageKey(runKey, round, stageId, 'policy.onnx'), onnx, 1);
        return { artifacts: { newPolicy, ...(preferencePool ? { preferencePool } : {}) }, metrics };
      });
    });
  };
}
