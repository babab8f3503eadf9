import { type PolicyParams, type PromptContext } from '../models/policy-params';
import type { SftRow } from '../stages/types';
/** An SFT example in model form. */
export interface SftExample {
    ctx: PromptContext;
    ids: number[];
}
/** Encodes SFT rows; throws naming the row whose response the policy cannot produce. */
export declare function encodeSft(p: PolicyParams, rows: SftRow[]): SftExample[];
/** Mean negative log-likelihood per token (the response words and the closing <eos>). */
export declare function sftLoss(p: PolicyParams, data: SftExample[]): number;
/** Options of SFT. */
export interface SftOptions {
    epochs: number;
    lr: number;
    batchSize: number;
    seed: number;
}
/**
 * Minibatch Adam on the per-token NLL, updating `p` in place. `onEpoch` runs after each epoch with
 * that epoch's mean training loss (it may be async, e.g. to yield or to check for cancellation).
 */
export declare function trainSft(p: PolicyParams, data: SftExample[], opts: SftOptions, onEpoch?: (epoch: number, loss: number) => void | Promise<void>): Promise<number>;
