/** Generation with the policy's ONNX checkpoint on onnxruntime-node, every sequence of a call batched per step. */
import type { ResponseRow } from '../stages/types';
/** Options of one generation call. */
export interface GenerateOptions {
    /** Responses drawn per prompt. */
    samplesPerPrompt: number;
    /** Sampling temperature (> 0); the reported logprob is at temperature 1 regardless. */
    temperature: number;
    /** Run seed; each (prompt id, sample) gets its own stream derived from it. */
    seed: number;
    /** Words at most (capped by the model's maxLen); <eos> is forced after them. */
    maxTokens?: number;
}
/** A loaded policy checkpoint that samples responses with onnxruntime-node. */
export declare class OnnxPolicyRuntime {
    private readonly session;
    private readonly params;
    private constructor();
    /** Loads a policy checkpoint; fails with a clear message when the bytes are not one. */
    static create(bytes: Uint8Array, source?: string): Promise<OnnxPolicyRuntime>;
    /** The vocabulary size and longest response of the loaded policy. */
    get shape(): {
        vocabSize: number;
        maxLen: number;
    };
    /**
     * Samples `samplesPerPrompt` responses per prompt. Each (prompt id, sample) draws from its own
     * Rng seeded with seedFrom(seed, promptId, sample), so a response does not depend on which
     * other prompts share the call.
     */
    generate(prompts: {
        id: string;
        prompt: string;
    }[], opts: GenerateOptions): Promise<ResponseRow[]>;
    /** Frees the native session. */
    release(): Promise<void>;
}
