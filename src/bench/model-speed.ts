/**
 * Local model speed on the real code paths, in this process on one thread: generation tokens per
 * second (the policy on onnxruntime-node, batched as the generate stage batches it), judged pairs
 * per second (the local judge, both orders), reward-model rows per second (a trained reward model
 * on onnxruntime-node, scored in batches), and trainer steps per second (REINFORCE against that
 * reward model). Each runs on the demo's data (four times its prompts), from the demo's initial
 * policy, after a warm-up call.
 */
import { createLocalJudge } from '../judges/create';
import { pairResponses, type PairInput } from '../judges/judge-pairs';
import { DEMO_DEFAULTS } from '../loop/in-process';
import { generateResponses } from '../stages/generate';
import { judgePairs } from '../stages/judge';
import { optimizeWithReward, rewardFromOnnx } from '../stages/optimize';
import { makeDemoData, trainInitialPolicy } from '../stages/prepare';
import { trainRewardModel } from '../stages/train-reward';
import type { ResponseRow } from '../stages/types';
import { seedFrom } from '../util/rng';

/** Rows scored per onnxruntime call (the optimizer scores promptsPerStep × samplesPerPrompt at once). */
const REWARD_BATCH = 256;

export interface ModelSpeedFigures {
  generation: { tokens: number; responses: number; seconds: number; tokensPerSecond: number };
  judge: { pairs: number; seconds: number; pairsPerSecond: number };
  rewardModel: { rows: number; batch: number; seconds: number; rowsPerSecond: number; trainSeconds: number };
  trainer: { steps: number; samplesPerStep: number; seconds: number; stepsPerSecond: number };
  /** The generated pairs, for benchmarks that need realistic inputs. */
  pairs: PairInput[];
}

const since = (t: number) => (performance.now() - t) / 1000;

/** Tokens of a response as the policy emits them: its words and the end token. */
const tokensOf = (r: ResponseRow) => r.response.split(/\s+/).filter(Boolean).length + 1;

export async function measureModelSpeed(): Promise<ModelSpeedFigures> {
  const opts = DEMO_DEFAULTS;
  // Four times the demo's prompts, so each timed loop runs long enough to time.
  const data = makeDemoData({ seed: opts.seed, ...opts.data, trainPrompts: 4 * opts.data.trainPrompts });
  const initial = await trainInitialPolicy(data.sft, {
    seed: seedFrom(opts.seed, 'sft'),
    ...opts.sft,
  });
  const genOpts = {
    ...opts.generate,
    seed: seedFrom(opts.seed, 'generate', 1),
    maxTokens: opts.sft.maxTokens,
  };
  // A smaller call first, so session start-up and JIT warm-up are not counted as generation.
  await generateResponses(initial.onnx, data.train.slice(0, 512), genOpts);
  let t = performance.now();
  const responses = await generateResponses(initial.onnx, data.train, genOpts);
  const genSeconds = since(t);
  const tokens = responses.reduce((s, r) => s + tokensOf(r), 0);

  const judge = createLocalJudge(opts.judge);
  // Every path runs once on a little data first: the figures are for JIT-compiled code, as in a
  // long run, not for its first calls (cold code is several times slower).
  judgePairs(judge, responses.slice(0, 256));
  t = performance.now();
  const preferences = judgePairs(judge, responses);
  const judgeSeconds = since(t);

  t = performance.now();
  const rm = await trainRewardModel(preferences, { seed: seedFrom(opts.seed, 'reward'), ...opts.reward });
  const trainSeconds = since(t);
  const reward = await rewardFromOnnx(rm.onnx);
  let scored = 0;
  try {
    await reward.reward(responses.slice(0, REWARD_BATCH));
    t = performance.now();
    for (let i = 0; i < responses.length; i += REWARD_BATCH) {
      const batch = responses.slice(i, i + REWARD_BATCH);
      scored += (await reward.reward(batch)).length;
    }
    const rewardSeconds = since(t);

    const steps = 20;
    const trainerOptions = {
      ...opts.optimize,
      seed: seedFrom(opts.seed, 'optimize', 1),
      maxTokens: opts.sft.maxTokens,
    };
    await optimizeWithReward(initial.onnx, initial.onnx, data.train, reward.reward, {
      ...trainerOptions,
      steps: 3,
    });
    t = performance.now();
    await optimizeWithReward(initial.onnx, initial.onnx, data.train, reward.reward, {
      ...trainerOptions,
      steps,
    });
    const trainerSeconds = since(t);
    return {
      generation: {
        tokens,
        responses: responses.length,
        seconds: genSeconds,
        tokensPerSecond: tokens / genSeconds,
      },
      judge: {
        pairs: preferences.length,
        seconds: judgeSeconds,
        pairsPerSecond: preferences.length / judgeSeconds,
      },
      rewardModel: {
        rows: scored,
        batch: REWARD_BATCH,
        seconds: rewardSeconds,
        rowsPerSecond: scored / rewardSeconds,
        trainSeconds,
      },
      trainer: {
        steps,
        samplesPerStep: opts.optimize.promptsPerStep * opts.optimize.samplesPerPrompt,
        seconds: trainerSeconds,
        stepsPerSecond: steps / trainerSeconds,
      },
      pairs: pairResponses(responses),
    };
  } finally {
    await reward.release();
  }
}
