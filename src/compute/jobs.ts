/**
 * The jobs a compute thread can run. Each takes plain data (model bytes, rows, options) and
 * returns plain data, because it crosses a thread boundary by structured clone.
 */
import { createHash } from 'node:crypto';
import { createLocalJudge } from '../judges/create';
import { OnnxPolicyRuntime } from '../models/onnx-policy-runtime';
import { evaluatePolicy, sampleForEvaluation } from '../stages/evaluate';
import {
  optimizeOnScoredSamples,
  optimizeWithDpo,
  optimizeWithReward,
  rewardFromJudge,
  rewardFromOnnx,
  type RewardFn,
} from '../stages/optimize';
import type { EndpointConfig } from '../providers/endpoint';
import { EmbeddingFeaturizer } from '../reward/embedding-features';
import { EmbeddingRewardScorer } from '../reward/embedding-reward';
import { UserOnnxRewardModel } from '../reward/user-onnx-reward';
import { makeDemoData, trainInitialPolicy } from '../stages/prepare';
import { trainRewardModel } from '../stages/train-reward';
import type { PreferenceRow, PromptRow, ResponseRow, SftRow } from '../stages/types';

type Progress = (done: number, total: number, rows?: unknown[]) => void;

/** Judge settings that cross into a thread (the judge itself is rebuilt there). */
export interface LocalJudgeSettings {
  positionBias: number;
  sharpness: number;
}

export interface GenerateJobArgs {
  policy: Uint8Array;
  prompts: PromptRow[];
  samplesPerPrompt: number;
  temperature: number;
  maxTokens: number;
  seed: number;
  /** Prompts per progress message: each message carries its finished rows. */
  chunk: number;
}

export interface OptimizeRewardJobArgs {
  policy: Uint8Array;
  reference: Uint8Array;
  prompts: PromptRow[];
  /** Where the reward comes from: a trained reward model, a user's ONNX model, or the judge (direct RLAIF). */
  reward: RewardSource;
  options: Parameters<typeof optimizeWithReward>[4];
}

/**
 * Policy runtimes by checkpoint hash, kept by this (long-lived) thread: every generate batch of
 * a round samples the same policy, and an onnxruntime session costs more to build than a batch
 * costs to sample. The two most recent checkpoints are kept.
 */
const runtimes = new Map<string, Promise<OnnxPolicyRuntime>>();
function policyRuntime(bytes: Uint8Array): Promise<OnnxPolicyRuntime> {
  const key = createHash('sha256').update(bytes).digest('hex');
  let runtime = runtimes.get(key);
  if (!runtime) {
    runtime = OnnxPolicyRuntime.create(bytes);
    runtime.catch(() => runtimes.delete(key));
    runtimes.set(key, runtime);
    while (runtimes.size > 2) {
      const [oldest, old] = runtimes.entries().next().value as [string, Promise<OnnxPolicyRuntime>];
      runtimes.delete(oldest);
      void old.then((r) => r.release()).catch(() => undefined);
    }
  }
  return runtime;
}

/** A reward function's recipe, plain data so it can cross into a thread. */
export type RewardSource =
  | { kind: 'onnx'; model: Uint8Array }
  | { kind: 'judge'; judge: LocalJudgeSettings }
  | { kind: 'embedding'; head: Uint8Array; endpoint: EndpointConfig; cacheDir: string }
  | { kind: 'user-onnx'; modelPath: string; tokenizerPath: string; maxLength: number };

/** Builds the reward function of a source; `release` frees its sessions. */
async function rewardOf(source: RewardSource): Promise<{ reward: RewardFn; release(): Promise<void> }> {
  switch (source.kind) {
    case 'judge':
      return { reward: rewardFromJudge(createLocalJudge(source.judge)), release: async () => undefined };
    case 'onnx':
      return rewardFromOnnx(source.model);
    case 'embedding': {
      const featurizer = new EmbeddingFeaturizer({ endpoint: source.endpoint, cacheDir: source.cacheDir });
      const scorer = await EmbeddingRewardScorer.create(source.head, featurizer);
      return {
        reward: async (rows) => Array.from(await scorer.score(rows)),
        release: () => scorer.release(),
      };
    }
    case 'user-onnx': {
      const model = await UserOnnxRewardModel.create({
        modelPath: source.modelPath,
        tokenizerPath: source.tokenizerPath,
        maxLength: source.maxLength,
      });
      return { reward: async (rows) => Array.from(await model.score(rows)), release: () => model.release() };
    }
  }
}

export const JOBS = {
  /** The demo world's prompts and SFT corpus: at the config's largest sizes a second of work, kept off the worker's event loop. */
  async demoData(args: Parameters<typeof makeDemoData>[0]) {
    return makeDemoData(args);
  },

  async sft(args: { sft: SftRow[]; options: Parameters<typeof trainInitialPolicy>[1] }, progress: Progress) {
    return trainInitialPolicy(args.sft, args.options, progress);
  },

  async generate(args: GenerateJobArgs, progress: Progress): Promise<ResponseRow[]> {
    const runtime = await policyRuntime(args.policy);
    {
      const rows: ResponseRow[] = [];
      for (let start = 0; start < args.prompts.length; start += args.chunk) {
        const part = await runtime.generate(args.prompts.slice(start, start + args.chunk), {
          samplesPerPrompt: args.samplesPerPrompt,
          temperature: args.temperature,
          seed: args.seed,
          maxTokens: args.maxTokens,
        });
        rows.push(...part);
        progress(Math.min(start + args.chunk, args.prompts.length), args.prompts.length, part);
      }
      return rows;
    }
  },

  async trainReward(
    args: { pairs: PreferenceRow[]; options: Parameters<typeof trainRewardModel>[1] },
    progress: Progress,
  ) {
    return trainRewardModel(args.pairs, args.options, progress);
  },

  async optimizeWithReward(args: OptimizeRewardJobArgs, progress: Progress) {
    const source = await rewardOf(args.reward);
    try {
      return await optimizeWithReward(
        args.policy,
        args.reference,
        args.prompts,
        source.reward,
        args.options,
        progress,
      );
    } finally {
      await source.release();
    }
  },

  async optimizeOnScores(
    args: {
      policy: Uint8Array;
      reference: Uint8Array;
      samples: Parameters<typeof optimizeOnScoredSamples>[2];
      options: Parameters<typeof optimizeOnScoredSamples>[3];
    },
    progress: Progress,
  ) {
    return optimizeOnScoredSamples(args.policy, args.reference, args.samples, args.options, progress);
  },

  async optimizeWithDpo(
    args: {
      policy: Uint8Array;
      reference: Uint8Array;
      pairs: PreferenceRow[];
      options: Parameters<typeof optimizeWithDpo>[3];
    },
    progress: Progress,
  ) {
    return optimizeWithDpo(args.policy, args.reference, args.pairs, args.options, progress);
  },

  async evaluationSamples(args: {
    policy: Uint8Array;
    initial: Uint8Array;
    prompts: PromptRow[];
    options: Parameters<typeof sampleForEvaluation>[3];
  }) {
    return sampleForEvaluation(args.policy, args.initial, args.prompts, args.options);
  },

  async evaluate(
    args: {
      policy: Uint8Array;
      initial: Uint8Array;
      prompts: PromptRow[];
      judge: LocalJudgeSettings;
      options: Parameters<typeof evaluatePolicy>[4];
    },
    progress: Progress,
  ) {
    return evaluatePolicy(
      args.policy,
      args.initial,
      args.prompts,
      createLocalJudge(args.judge),
      args.options,
      progress,
    );
  },
};

export type JobName = keyof typeof JOBS;
export type JobArgs<N extends JobName> = Parameters<(typeof JOBS)[N]>[0];
export type JobResult<N extends JobName> = Awaited<ReturnType<(typeof JOBS)[N]>>;
