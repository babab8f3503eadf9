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
export declare function zeroReward(dim: number): LinearReward;
/** r = w · f + b for sparse features (float64 maths). */
export declare function rewardOf(model: LinearReward, f: SparseFeatures): number;
