/** Stage: win rate of a policy against the initial policy on held-out prompts, judged in both orders. */
import { judgeBothOrders } from '../judges/debias';
import type { PairwiseJudge, ScoringJudge } from '../judges/pairwise-judge';
import { OnnxPolicyRuntime } from '../models/onnx-policy-runtime';
import { encodeResponse, policyFromOnnx, promptContext, tokensLogProb } from '../models/policy';
import { goldQuality } from '../demo/gold';
import { goldWinRate, type Share } from '../eval/gold-figures';
import { LocalPairwiseJudge } from '../judges/local-judge';
import { mean, wilsonInterval } from '../eval/stats';
import { OnnxRewardModel } from '../reward/reward-model';
import { throwIfAborted } from './abort';
import type { ProgressFn, PromptRow, ResponseRow } from './types';

async function sampleOnce(
  onnx: Uint8Array,
  source: string,
  prompts: PromptRow[],
  opts: { seed: number; temperature: number; maxTokens: number },
): Promise<ResponseRow[]> {
  const runtime = await OnnxPolicyRuntime.create(onnx, source);
  try {
    return await runtime.generate(prompts, {
      samplesPerPrompt: 1,
      temperature: opts.temperature,
      seed: opts.seed,
      maxTokens: opts.maxTokens,
    });
  } finally {
    await runtime.release();
  }
}

/**
 * The evaluation samples alone: one per held-out prompt from the policy and from the initial
 * policy, with the same seed as `evaluatePolicy` draws them, for judging by a judge that cannot
 * run in this thread (an LLM behind an endpoint).
 */
export async function sampleForEvaluation(
  policyOnnx: Uint8Array,
  initialOnnx: Uint8Array,
  prompts: PromptRow[],
  opts: { seed: number; temperature: number; maxTokens: number },
): Promise<{ policy: ResponseRow[]; initial: ResponseRow[] }> {
  const policy = await sampleOnce(policyOnnx, 'policy checkpoint', prompts, opts);
  const initial = await sampleOnce(initialOnnx, 'initial checkpoint', prompts, opts);
  return { policy, initial };
}

/**
 * One sample per held-out prompt from each policy, drawn with the same seed (common random
 * numbers: a policy evaluated against itself scores exactly 0.5), judged in both orders. A win is
 * a debiased p > 0.5, a tie (p = 0.5) counts half; the interval is Wilson's at 95%. meanReward
 * is the reward model's mean over the policy's samples when one is given, else the judge's score
 * normalized to [0, 1]; kl is the mean of log πθ(y|x) − log π0(y|x) over the policy's samples.
 * With `gold` (demo prompts only), the same pairs are also judged by the demo world's gold
 * standard.
 */
export async function evaluatePolicy(
  policyOnnx: Uint8Array,
  initialOnnx: Uint8Array,
  prompts: PromptRow[],
  judge: PairwiseJudge & ScoringJudge,
  opts: { seed: number; temperature: number; maxTokens: number; rewardOnnx?: Uint8Array; gold?: boolean },
  onProgress?: ProgressFn,
  signal?: AbortSignal,
): Promise<{
  winRate: number;
  winRateCI: [number, number];
  n: number;
  meanReward: number;
  meanJudgeScore: number;
  kl: number;
  flipRate: number;
  /**
   * The gold win rate on the same pairs, when asked for, with the mean gold quality of the
   * policy's samples and (for the embedded judge) their mean quality by the judge, in the same units.
   */
  gold?: Share & { meanQuality: number; meanJudgeQuality?: number };
}> {
  if (prompts.length === 0) throw new Error('evaluatePolicy: no prompts');
  const total = 3;
  throwIfAborted(signal, 'evaluatePolicy');
  const mine = await sampleOnce(policyOnnx, 'policy checkpoint', prompts, opts);
  onProgress?.(1, total);
  throwIfAborted(signal, 'evaluatePolicy');
  const base = await sampleOnce(initialOnnx, 'initial checkpoint', prompts, opts);
  onProgress?.(2, total);
  throwIfAborted(signal, 'evaluatePolicy');

  let wins = 0;
  let flips = 0;
  mine.forEach((m, i) => {
    const b = base[i] as ResponseRow;
    const j = judgeBothOrders(judge, m.prompt, m.response, b.response);
    wins += j.p > 0.5 ? 1 : j.p === 0.5 ? 0.5 : 0;
    if (j.flipped) flips++;
  });
  const n = mine.length;
  const scores = mine.map((m) => judge.score(m.prompt, m.response));

  let meanReward: number;
  if (opts.rewardOnnx) {
    const rm = await OnnxRewardModel.create(opts.rewardOnnx, 'reward model');
    try {
      meanReward = mean(await rm.score(mine.map((m) => ({ prompt: m.prompt, response: m.response }))));
    } finally {
      await rm.release();
    }
  } else {
    meanReward = mean(scores.map((s) => (s - 1) / 9));
  }

  const initial = policyFromOnnx(initialOnnx, 'initial checkpoint');
  const kl = mean(
    mine.map(
      (m) =>
        m.logprob -
        tokensLogProb(initial, promptContext(initial.vocab, m.prompt), encodeResponse(initial, m.response)),
    ),
  );
  onProgress?.(3, total);
  return {
    winRate: wins / n,
    winRateCI: wilsonInterval(wins, n),
    n,
    meanReward,
    meanJudgeScore: mean(scores),
    kl,
    flipRate: flips / n,
    ...(opts.gold
      ? {
          gold: {
            ...goldWinRate(
              mine.map((m, i) => ({
                prompt: m.prompt,
                policy: m.response,
                initial: (base[i] as ResponseRow).response,
              })),
            ),
            meanQuality: mean(mine.map((m) => goldQuality(m.prompt, m.response))),
            ...(judge instanceof LocalPairwiseJudge
              ? { meanJudgeQuality: mean(mine.map((m) => judge.quality(m.prompt, m.response))) }
              : {}),
          },
        }
      : {}),
  };
}
