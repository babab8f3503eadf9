import type { LinearReward } from './linear-reward';
/** The metadata value of `kind` that marks a reward model. */
export declare const REWARD_KIND = "rlaif-linear-reward";
/** Serializes a linear reward head: MatMul(features [N,D], w [D]) → [N], plus the bias. */
export declare function exportRewardOnnx(model: LinearReward): Uint8Array;
/** Reads the linear head back from a reward model's ONNX bytes, checking it matches this featurizer. */
export declare function rewardModelFromOnnx(bytes: Uint8Array, source?: string): LinearReward;
/** A reward model loaded into onnxruntime-node; scores (prompt, response) rows in one batched run. */
export declare class OnnxRewardModel {
    private readonly session;
    readonly dim: number;
    private constructor();
    /** Loads reward-model bytes; fails clearly when they are not a reward model for this featurizer. */
    static create(bytes: Uint8Array, source?: string): Promise<OnnxRewardModel>;
    /** Rewards of the rows, in order. */
    score(rows: {
        prompt: string;
        response: string;
    }[]): Promise<Float32Array>;
    /** Frees the native session. */
    release(): Promise<void>;
}
