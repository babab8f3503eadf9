/** Stage 0: the demo data and the initial (SFT) policy. */
import { demoPrompts, demoSftCorpus } from '../demo/world';
import { exportPolicyOnnx, initPolicy } from '../models/policy';
import { Vocab } from '../models/vocab';
import { encodeSft, trainSft } from '../policy/sft';
import { throwIfAborted, yieldToEventLoop } from './abort';
import type { ProgressFn, PromptRow, SftRow } from './types';

/** Train and held-out prompts and the SFT corpus of the demo world, all from `seed`. */
export function makeDemoData(opts: {
  seed: number;
  trainPrompts: number;
  evalPrompts: number;
  sftExamples: number;
}): {
  train: PromptRow[];
  eval: PromptRow[];
  sft: SftRow[];
} {
  return {
    train: demoPrompts(opts.seed, opts.trainPrompts, 'train'),
    eval: demoPrompts(opts.seed, opts.evalPrompts, 'eval'),
    sft: demoSftCorpus(opts.seed, opts.sftExamples),
  };
}

/** Minibatch size of SFT; small enough for many updates per epoch on the demo corpus. */
const SFT_BATCH = 64;

/**
 * Fits the initial policy to the SFT corpus by maximum likelihood from zero weights (the loss is
 * convex in them, so the start does not matter) and returns it as an ONNX checkpoint.
 * Progress is reported per epoch.
 */
export async function trainInitialPolicy(
  sft: SftRow[],
  opts: { seed: number; epochs: number; lr: number; maxTokens: number },
  onProgress?: ProgressFn,
  signal?: AbortSignal,
): Promise<{ onnx: Uint8Array; finalLoss: number }> {
  throwIfAborted(signal, 'trainInitialPolicy');
  const policy = initPolicy(Vocab.demo(), opts.maxTokens);
  const data = encodeSft(policy, sft);
  const finalLoss = await trainSft(
    policy,
    data,
    { epochs: opts.epochs, lr: opts.lr, batchSize: SFT_BATCH, seed: opts.seed },
    async (epoch) => {
      onProgress?.(epoch, opts.epochs);
      await yieldToEventLoop();
      throwIfAborted(signal, 'trainInitialPolicy');
    },
  );
  return { onnx: exportPolicyOnnx(policy), finalLoss };
}
