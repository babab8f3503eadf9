/**
 * Bradley–Terry reward-model training on soft labels. Soft labels keep the judge's confidence:
 * a near-tie (q ≈ 0.5) asks for r_A ≈ r_B instead of a confident order the judge never gave.
 */
import { logSigmoid, sigmoid } from '../models/math';
import { Adam } from '../policy/adam';
import type { SparseFeatures } from './features';
import { rewardOf, zeroReward, type LinearReward } from './linear-reward';

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
export function btLoss(model: LinearReward, pairs: BtPair[], reg: BtRegularization, grad?: BtGrad): number {
  if (pairs.length === 0) throw new Error('btLoss: no pairs');
  if (grad) {
    grad.weights.fill(0);
    grad.bias.fill(0);
  }
  const n = pairs.length;
  let loss = 0;
  const addGrad = (f: SparseFeatures, g: number): void => {
    if (!grad) return;
    for (let k = 0; k < f.idx.length; k++) {
      const i = f.idx[k] as number;
      grad.weights[i] = (grad.weights[i] as number) + g * (f.val[k] as number);
    }
    grad.bias[0] = (grad.bias[0] as number) + g;
  };
  for (const pair of pairs) {
    const rA = rewardOf(model, pair.a);
    const rB = rewardOf(model, pair.b);
    const d = rA - rB;
    const s = rA + rB;
    loss += (-(pair.q * logSigmoid(d) + (1 - pair.q) * logSigmoid(-d)) + reg.centering * s * s) / n;
    // dL/dd = σ(d) − q; the centering term adds 2c·s to both rewards.
    const gd = (sigmoid(d) - pair.q) / n;
    const gs = (2 * reg.centering * s) / n;
    addGrad(pair.a, gd + gs);
    addGrad(pair.b, -gd + gs);
  }
  for (let i = 0; i < model.dim; i++) {
    const w = model.weights[i] as number;
    loss += reg.l2 * w * w;
    if (grad) grad.weights[i] = (grad.weights[i] as number) + 2 * reg.l2 * w;
  }
  return loss;
}

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
export async function trainBradleyTerry(
  pairs: BtPair[],
  opts: BtTrainOptions,
  onEpoch?: (epoch: number, loss: number) => void | Promise<void>,
): Promise<{ model: LinearReward; loss: number }> {
  const model = zeroReward(opts.dim);
  const grad: BtGrad = { weights: new Float64Array(opts.dim), bias: new Float64Array(1) };
  const adam = new Adam([model.weights, model.bias], { lr: opts.lr });
  let loss = btLoss(model, pairs, opts, grad);
  for (let e = 0; e < opts.epochs; e++) {
    adam.step([grad.weights, grad.bias]);
    loss = btLoss(model, pairs, opts, grad);
    await onEpoch?.(e + 1, loss);
  }
  return { model, loss };
}
