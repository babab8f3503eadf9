import type { PreferenceRow, ProgressFn } from './types';
/**
 * Whether a pair is held out: a hash of (seed, pair id), so a pair stays on the same side in every
 * round that uses the same seed, whatever else is in the data.
 */
export declare function isHeldOut(seed: number, pairId: string, fraction: number): boolean;
/**
 * Trains on the non-held-out pairs (soft labels, full-batch Adam), exports to ONNX, then scores
 * the held-out pairs with onnxruntime-node from those bytes. Agreement is the share of held-out
 * pairs with q ≠ 0.5 where sign(r_A − r_B) matches q > 0.5 (a reward tie counts as a miss);
 * `heldOutPairs` counts those decisive held-out pairs.
 */
export declare function trainRewardModel(pairs: PreferenceRow[], opts: {
    seed: number;
    heldOutFraction: number;
    epochs: number;
    lr: number;
    l2: number;
}, onProgress?: ProgressFn, signal?: AbortSignal): Promise<{
    onnx: Uint8Array;
    heldOutAgreement: number;
    heldOutPairs: number;
    trainPairs: number;
    trainLoss: number;
}>;
