import type { SparseFeatures } from './features';
import { type LinearReward } from './linear-reward';
/** One training pair: features of A and B and the soft label q = p(A ≻ B). */
export interface BtPair {
    a: SparseFeatures;
    b: SparseFeatures;
    q: number;
}
/** Regularization of the Bradley–Terry loss. */
export interface BtRegularization {
    /** c in c · mean((r_A + r_B)²), which keeps rewards centred on zero. */
    centering: number;
    /** λ in λ · ‖w‖² (the bias is not decayed). */
    l2: number;
}
/** The gradient of the loss with the model's shapes. */
export interface BtGrad {
    weights: Float64Array;
    bias: Float64Array;
}
/**
 * L = mean over pairs of −[q log σ(r_A − r_B) + (1 − q) log σ(r_B − r_A)] + c · mean((r_A + r_B)²)
 * + λ‖w‖². When `grad` is given it is overwritten with ∇L.
 */
export declare function btLoss(model: LinearReward, pairs: BtPair[], reg: BtRegularization, grad?: BtGrad): number;
/** Options of full-batch Bradley–Terry training. */
export interface BtTrainOptions extends BtRegularization {
    epochs: number;
    lr: number;
    dim: number;
}
/**
 * Fits a linear reward head with full-batch Adam (one step per epoch: the data are small and the
 * loss convex, so the full gradient is cheap and needs no shuffling). Awaits `onEpoch` after each
 * step, so the caller can yield, report progress or throw to stop.
 */
export declare function trainBradleyTerry(pairs: BtPair[], opts: BtTrainOptions, onEpoch?: (epoch: number, loss: number) => void | Promise<void>): Promise<{
    model: LinearReward;
    loss: number;
}>;
