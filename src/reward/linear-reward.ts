/** The reward model's head: a linear function of the hashed features, r = w · f + b. */
import type { SparseFeatures } from './features';

/** A linear reward head over `dim` features. */
export interface LinearReward {
  readonly dim: number;
  /** [dim] */
  readonly weights: Float32Array;
  /** [1]: an array so the optimizer can update it in place. */
  readonly bias: Float32Array;
}

/** A zero reward head. */
export function zeroReward(dim: number): LinearReward {
  return { dim, weights: new Float32Array(dim), bias: new Float32Array(1) };
}

/** r = w · f + b for sparse features (float64 maths). */
export function rewardOf(model: LinearReward, f: SparseFeatures): number {
  let r = model.bias[0] as number;
  for (let k = 0; k < f.idx.length; k++)
    r += (model.weights[f.idx[k] as number] as number) * (f.val[k] as number);
  return r;
}
