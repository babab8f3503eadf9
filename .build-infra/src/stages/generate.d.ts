import type { ProgressFn, PromptRow, ResponseRow } from './types';
/**
 * `samplesPerPrompt` responses per prompt, in prompt order then sample order. Deterministic given
 * the seed, and independent of how the prompts are split into calls.
 */
export declare function generateResponses(policyOnnx: Uint8Array, prompts: PromptRow[], opts: {
    samplesPerPrompt: number;
    temperature: number;
    seed: number;
    maxTokens: number;
}, onProgress?: ProgressFn, signal?: AbortSignal): Promise<ResponseRow[]>;
