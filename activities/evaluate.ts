/**
 * Evaluate the round's policy against the initial one on held-out prompts: win rate judged in
 * both orders with a 95% Wilson interval, mean reward, and KL to the initial policy.
 */
import type { StageInput, StageOutput } from '../src/contracts';
import type { PromptRow } from '../src/stages/types';
import { stageKey } from '../src/store/artifact';
import { seedFrom } from '../src/util/rng';
import { classified } from './context';
import { compute } from './compute';
import type { ActivityDeps } from './deps';
import { onceOnly } from './once';
import { requireArtifact } from './stage-helpers';

export function createEvaluateActivity(deps: ActivityDeps) {
  const { store } = deps;
  return async function evaluate(input: StageInput): Promise<StageOutput> {
    return classified(async () => {
      const { runKey, round, stageId, config, board } = input;
      return onceOnly(store, stageKey(runKey, round, stageId, 'result.json'), async () => {
        const policy = await store.readBytes(requireArtifact(board.newPolicy ?? board.policy, 'policy'));
        const initial = await store.readBytes(requireArtifact(board.initialPolicy, 'initialPolicy'));
        const prompts = await store.readJsonl<PromptRow>(requireArtifact(board.evalPrompts, 'evalPrompts'));
        const rewardOnnx = board.rewardModel ? await store.readBytes(board.rewardModel) : undefined;
        const result = await compute(deps, 'evaluate', {
          policy,
          initial,
          prompts,
          judge: { positionBias: config.judge.positionBias, sharpness: config.judge.sharpness },
          options: {
            seed: seedFrom(config.seed, 'evaluate'),
            temperature: config.evaluate.temperature,
            maxTokens: config.generate.maxTokens,
            rewardOnnx,
          },
        });
        const report = { round, ...result };
        await store.commitJsonl(stageKey(runKey, round, stageId, 'evaluation.jsonl'), [report]);
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
