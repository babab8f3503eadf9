/** Stage: fit the Bradley–Terry reward model on the judged pairs and measure held-out agreement. */
import { InvalidInputError } from '../data/errors';
import { trainBradleyTerry, type BtPair } from '../reward/bradley-terry';
import { FEATURE_DIM, featurizeSparse } from '../reward/features';
import { exportRewardOnnx, OnnxRewardModel } from '../reward/reward-model';
import { seedFrom } from '../util/rng';
import { throwIfAborted, yieldToEventLoop } from './abort';
import type { PreferenceRow, ProgressFn } from './types';

/** Weight of the centering term c · mean((r_A + r_B)²): enough to pin the offset, too small to bend the fit. */
const CENTERING = 1e-3;
/** Epochs between progress reports and abort checks. */
const EPOCHS_PER_REPORT = 10;

/**
 * Whether a pair is held out: a hash of (seed, pair id), so a pair stays on the same side in every
 * round that uses the same seed, whatever else is in the data.
 */
export function isHeldOut(seed: number, pairId: string, fraction: number): boolean {
  return seedFrom(seed, 'held-out', pairId) / 4294967296 < fraction;
}

/** Hyperparameters of reward-model training and its held-out split. */
export interface RewardTrainingOptions {
  seed: number;
  heldOutFraction: number;
  epochs: number;
  lr: number;
  l2: number;
}

/** A reward model as ONNX and how well it agrees with the judge on held-out pairs. */
export interface TrainedRewardModel {
  onnx: Uint8Array;
  heldOutAgreement: number;
  heldOutPairs: number;
  trainPairs: number;
  trainLoss: number;
}

/** Training pairs, and the decisive held-out pairs (q ≠ 0.5) agreement is measured on. */
export function splitHeldOut(
  pairs: readonly PreferenceRow[],
  seed: number,
  fraction: number,
): { train: PreferenceRow[]; held: PreferenceRow[] } {
  return {
    train: pairs.filter((p) => !isHeldOut(seed, p.id, fraction)),
    held: pairs.filter((p) => isHeldOut(seed, p.id, fraction) && p.p !== 0.5),
  };
}

/**
 * The share of held-out pairs where the reward model's sign(r_A − r_B) matches the judge's
 * argmax (q > 0.5); a reward tie counts as a miss.
 */
export function agreementWithJudge(
  held: readonly PreferenceRow[],
  rA: ArrayLike<number>,
  rB: ArrayLike<number>,
): number {
  let agree = 0;
  held.forEach((p, i) => {
    const d = (rA[i] as number) - (rB[i] as number);
    if ((p.p > 0.5 && d > 0) || (p.p < 0.5 && d < 0)) agree++;
  });
  return held.length === 0 ? Number.NaN : agree / held.length;
}

/**
 * Trains on the non-held-out pairs (soft labels, full-batch Adam), exports to ONNX, then scores
 * the held-out pairs with onnxruntime-node from those bytes. Agreement is the share of held-out
 * pairs with q ≠ 0.5 where sign(r_A − r_B) matches q > 0.5 (a reward tie counts as a miss);
 * `heldOutPairs` counts those decisive held-out pairs.
 */
export async function trainRewardModel(
  pairs: PreferenceRow[],
  opts: RewardTrainingOptions,
  onProgress?: ProgressFn,
  signal?: AbortSignal,
): Promise<TrainedRewardModel> {
  if (!(opts.heldOutFraction > 0 && opts.heldOutFraction < 1)) {
    throw new Error(`trainRewardModel: heldOutFraction must be in (0, 1), got ${opts.heldOutFraction}`);
  }
  throwIfAborted(signal, 'trainRewardModel');
  const { train, held } = splitHeldOut(pairs, opts.seed, opts.heldOutFraction);
  if (train.length === 0)
    throw new InvalidInputError(`trainRewardModel: none of the ${pairs.length} pairs is left for training`);
  if (held.length === 0) {
    throw new InvalidInputError(
      `trainRewardModel: no held-out pair with a decisive label among ${pairs.length} pairs; use more prompts or a larger heldOutFraction`,
    );
  }
  const btPairs: BtPair[] = train.map((p) => ({
    a: featurizeSparse(p.prompt, p.a),
    b: featurizeSparse(p.prompt, p.b),
    q: p.p,
  }));
  const { model, loss } = await trainBradleyTerry(
    btPairs,
    { epochs: opts.epochs, lr: opts.lr, l2: opts.l2, centering: CENTERING, dim: FEATURE_DIM },
    async (epoch) => {
      if (epoch % EPOCHS_PER_REPORT !== 0 && epoch !== opts.epochs) return;
      onProgress?.(epoch, opts.epochs);
      await yieldToEventLoop();
      throwIfAborted(signal, 'trainRewardModel');
    },
  );
  const onnx = exportRewardOnnx(model);
  const scorer = await OnnxRewardModel.create(onnx, 'trained reward model');
  try {
    const rA = await scorer.score(held.map((p) => ({ prompt: p.prompt, response: p.a })));
    const rB = await scorer.score(held.map((p) => ({ prompt: p.prompt, response: p.b })));
    return {
      onnx,
      heldOutAgreement: agreementWithJudge(held, rA, rB),
      heldOutPairs: held.length,
      trainPairs: train.length,
      trainLoss: loss,
    };
  } finally {
    await scorer.release();
  }
}
