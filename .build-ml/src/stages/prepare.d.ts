import type { ProgressFn, PromptRow, SftRow } from './types';
/** Train and held-out prompts and the SFT corpus of the demo world, all from `seed`. */
export declare function makeDemoData(opts: {
    seed: number;
    trainPrompts: number;
    evalPrompts: number;
    sftExamples: number;
}): {
    train: PromptRow[];
    eval: PromptRow[];
    sft: SftRow[];
};
/**
 * Fits the initial policy to the SFT corpus by maximum likelihood from zero weights (the loss is
 * convex in them, so the start does not matter) and returns it as an ONNX checkpoint.
 * Progress is reported per epoch.
 */
export declare function trainInitialPolicy(sft: SftRow[], opts: {
    seed: number;
    epochs: number;
    lr: number;
    maxTokens: number;
}, onProgress?: ProgressFn, signal?: AbortSignal): Promise<{
    onnx: Uint8Array;
    finalLoss: number;
}>;
