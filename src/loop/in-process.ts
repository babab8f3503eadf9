/**
 * The whole RLAIF loop in one process, with no Temporal: prepare, then per round generate → judge
 * → (train reward model) → optimize → evaluate. It is the reference the workflows must match and
 * the "plain script" baseline for benchmarks.
 */
import { judgeGoldAgreement, rewardModelGoldAgreement, type Share } from '../eval/gold-figures';
import { createLocalJudge } from '../judges/create';
import { judgePairs, flipRate } from '../stages/judge';
import { generateResponses } from '../stages/generate';
import { evaluatePolicy } from '../stages/evaluate';
import {
  optimizeWithDpo,
  optimizeWithReward,
  rewardFromJudge,
  rewardFromOnnx,
  type RewardOptimizeOptions,
} from '../stages/optimize';
import { makeDemoData, trainInitialPolicy } from '../stages/prepare';
import { trainRewardModel } from '../stages/train-reward';
import type { PreferenceRow } from '../stages/types';
import { seedFrom } from '../util/rng';

/** How the policy is optimized each round. */
export type Preset = 'classic' | 'dpo' | 'direct';

/** Everything one in-process run needs, grouped by stage. */
export interface InProcessOptions {
  /** classic: reward model + REINFORCE; dpo: DPO on the pairs; direct: REINFORCE on the judge's scores (d-RLAIF). */
  preset: Preset;
  seed: number;
  rounds: number;
  data: { trainPrompts: number; evalPrompts: number; sftExamples: number };
  /** SFT of the initial policy; maxTokens is the policy's longest response everywhere. */
  sft: { epochs: number; lr: number; maxTokens: number };
  generate: { samplesPerPrompt: number; temperature: number };
  judge: { positionBias: number; sharpness: number };
  reward: { heldOutFraction: number; epochs: number; lr: number; l2: number };
  optimize: Omit<RewardOptimizeOptions, 'seed' | 'maxTokens'>;
  /** Overrides of `optimize` for the direct preset, whose rewards live on [0, 1] instead of logits. */
  direct: { beta: number; lr: number };
  dpo: { epochs: number; beta: number; lr: number };
  evaluate: { temperature: number };
}

/**
 * The calibrated demo configuration (3 rounds; measured by tests/ml/learning.test.ts).
 * Why these numbers: 1024 train prompts give the first reward model enough pairs (~800) to
 * generalize; with fewer, round 1 over-optimized it (the policy learned "topic words of any
 * topic, repeated" and lost to the initial policy). β = 0.2 per reward logit keeps round 1
 * within a few nats of the reference for the same reason. The direct preset's rewards are the
 * judge's score on [0, 1], about 1/15 of a reward-model logit, hence its smaller β. DPO's
 * β = 0.5 bounds the implied margin with soft labels (β·Δ → logit q); at β = 0.1 the policy
 * drifted by tens of nats and degraded by round 3.
 */
export const DEMO_DEFAULTS: InProcessOptions = {
  preset: 'classic',
  seed: 7,
  rounds: 3,
  data: { trainPrompts: 1024, evalPrompts: 512, sftExamples: 2000 },
  sft: { epochs: 8, lr: 0.05, maxTokens: 10 },
  generate: { samplesPerPrompt: 2, temperature: 1 },
  judge: { positionBias: -1, sharpness: 1.5 },
  reward: { heldOutFraction: 0.2, epochs: 200, lr: 0.05, l2: 1e-4 },
  optimize: { steps: 60, promptsPerStep: 32, samplesPerPrompt: 4, beta: 0.2, lr: 0.03, temperature: 1 },
  direct: { beta: 0.01, lr: 0.03 },
  dpo: { epochs: 3, beta: 0.5, lr: 0.02 },
  evaluate: { temperature: 1 },
};

/** What one round measured. */
export interface RoundReport {
  round: number;
  preferences: number;
  /** Share of this round's pairs whose raw argmax flipped with the order. */
  judgeFlipRate: number;
  reward?: { heldOutAgreement: number; heldOutPairs: number; trainPairs: number; trainLoss: number };
  optimize: { meanReward: number; kl: number } | { dpoLoss: number; rewardMargin: number };
  evaluation: Awaited<ReturnType<typeof evaluatePolicy>>;
  /** Against the demo world's gold standard: the judge on this round's pairs, the reward model on its held-out pairs. */
  gold: { judgeAgreement: Share; rewardModelAgreement?: Share };
  seconds: Record<'generate' | 'judge' | 'reward' | 'optimize' | 'evaluate', number>;
}

/** The result of a run: the initial and final checkpoints and each round's report. */
export interface InProcessResult {
  preset: Preset;
  sftLoss: number;
  initialOnnx: Uint8Array;
  policyOnnx: Uint8Array;
  rounds: RoundReport[];
  seconds: { prepare: number; total: number };
}

/** Runs the loop; `onRound` sees each report as soon as its round ends. */
export async function runInProcess(
  opts: InProcessOptions,
  onRound?: (report: RoundReport) => void,
  signal?: AbortSignal,
): Promise<InProcessResult> {
  const t0 = performance.now();
  const secondsSince = (t: number): number => (performance.now() - t) / 1000;
  const maxTokens = opts.sft.maxTokens;
  const judge = createLocalJudge(opts.judge);

  const data = makeDemoData({ seed: opts.seed, ...opts.data });
  const initial = await trainInitialPolicy(
    data.sft,
    { seed: seedFrom(opts.seed, 'sft'), ...opts.sft },
    undefined,
    signal,
  );
  const prepare = secondsSince(t0);

  let policy = initial.onnx;
  const preferences: PreferenceRow[] = [];
  const rounds: RoundReport[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    let t = performance.now();
    const seconds = { generate: 0, judge: 0, reward: 0, optimize: 0, evaluate: 0 };
    const responses = await generateResponses(
      policy,
      data.train,
      { ...opts.generate, seed: seedFrom(opts.seed, 'generate', round), maxTokens },
      undefined,
      signal,
    );
    seconds.generate = secondsSince(t);

    t = performance.now();
    const pairs = judgePairs(judge, responses);
    preferences.push(...pairs);
    seconds.judge = secondsSince(t);

    let rewardReport: RoundReport['reward'];
    let rewardOnnx: Uint8Array | undefined;
    if (opts.preset === 'classic') {
      t = performance.now();
      // One seed for every round keeps each pair on the same side of the held-out split.
      const rm = await trainRewardModel(
        preferences,
        { seed: seedFrom(opts.seed, 'reward'), ...opts.reward },
        undefined,
        signal,
      );
      rewardOnnx = rm.onnx;
      rewardReport = {
        heldOutAgreement: rm.heldOutAgreement,
        heldOutPairs: rm.heldOutPairs,
        trainPairs: rm.trainPairs,
        trainLoss: rm.trainLoss,
      };
      seconds.reward = secondsSince(t);
    }

    t = performance.now();
    let optimizeReport: RoundReport['optimize'];
    const optimizeSeed = seedFrom(opts.seed, 'optimize', round);
    if (opts.preset === 'dpo') {
      const out = await optimizeWithDpo(
        policy,
        initial.onnx,
        preferences,
        { seed: optimizeSeed, ...opts.dpo },
        undefined,
        signal,
      );
      policy = out.onnx;
      optimizeReport = { dpoLoss: out.dpoLoss, rewardMargin: out.rewardMargin };
    } else if (opts.preset === 'direct') {
      const out = await optimizeWithReward(
        policy,
        initial.onnx,
        data.train,
        rewardFromJudge(judge),
        { ...opts.optimize, ...opts.direct, seed: optimizeSeed, maxTokens },
        undefined,
        signal,
      );
      policy = out.onnx;
      optimizeReport = { meanReward: out.meanReward, kl: out.kl };
    } else {
      const rm = await rewardFromOnnx(rewardOnnx as Uint8Array);
      try {
        const out = await optimizeWithReward(
          policy,
          initial.onnx,
          data.train,
          rm.reward,
          { ...opts.optimize, seed: optimizeSeed, maxTokens },
          undefined,
          signal,
        );
        policy = out.onnx;
        optimizeReport = { meanReward: out.meanReward, kl: out.kl };
      } finally {
        await rm.release();
      }
    }
    seconds.optimize = secondsSince(t);

    t = performance.now();
    const evaluation = await evaluatePolicy(
      policy,
      initial.onnx,
      data.eval,
      judge,
      {
        seed: seedFrom(opts.seed, 'evaluate'),
        temperature: opts.evaluate.temperature,
        maxTokens,
        ...(rewardOnnx ? { rewardOnnx } : {}),
        gold: true,
      },
      undefined,
      signal,
    );
    const gold: RoundReport['gold'] = {
      judgeAgreement: judgeGoldAgreement(pairs),
      ...(rewardOnnx
        ? {
            rewardModelAgreement: await rewardModelGoldAgreement(rewardOnnx, preferences, {
              seed: seedFrom(opts.seed, 'reward'),
              heldOutFraction: opts.reward.heldOutFraction,
            }),
          }
        : {}),
    };
    seconds.evaluate = secondsSince(t);

    const report: RoundReport = {
      round,
      preferences: preferences.length,
      judgeFlipRate: flipRate(pairs),
      ...(rewardReport ? { reward: rewardReport } : {}),
      optimize: optimizeReport,
      evaluation,
      gold,
      seconds,
    };
    rounds.push(report);
    onRound?.(report);
  }
  return {
    preset: opts.preset,
    sftLoss: initial.finalLoss,
    initialOnnx: initial.onnx,
    policyOnnx: policy,
    rounds,
    seconds: { prepare, total: secondsSince(t0) },
  };
}
