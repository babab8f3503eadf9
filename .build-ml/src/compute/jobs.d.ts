import { evaluatePolicy } from '../stages/evaluate';
import { optimizeWithDpo, optimizeWithReward } from '../stages/optimize';
import { trainInitialPolicy } from '../stages/prepare';
import { trainRewardModel } from '../stages/train-reward';
import type { PreferenceRow, PromptRow, ResponseRow, SftRow } from '../stages/types';
type Progress = (done: number, total: number, rows?: unknown[]) => void;
/** Judge settings that cross into a thread (the judge itself is rebuilt there). */
export interface LocalJudgeSettings {
    positionBias: number;
    sharpness: number;
}
export interface GenerateJobArgs {
    policy: Uint8Array;
    prompts: PromptRow[];
    samplesPerPrompt: number;
    temperature: number;
    maxTokens: number;
    seed: number;
    /** Prompts per progress message: each message carries its finished rows. */
    chunk: number;
}
export interface OptimizeRewardJobArgs {
    policy: Uint8Array;
    reference: Uint8Array;
    prompts: PromptRow[];
    /** The ONNX reward model, or the judge whose score is the reward (direct RLAIF). */
    reward: {
        kind: 'onnx';
        model: Uint8Array;
    } | {
        kind: 'judge';
        judge: LocalJudgeSettings;
    };
    options: Parameters<typeof optimizeWithReward>[4];
}
export declare const JOBS: {
    sft(args: {
        sft: SftRow[];
        options: Parameters<typeof trainInitialPolicy>[1];
    }, progress: Progress): Promise<{
        onnx: Uint8Array;
        finalLoss: number;
    }>;
    generate(args: GenerateJobArgs, progress: Progress): Promise<ResponseRow[]>;
    trainReward(args: {
        pairs: PreferenceRow[];
        options: Parameters<typeof trainRewardModel>[1];
    }, progress: Progress): Promise<{
        onnx: Uint8Array;
        heldOutAgreement: number;
        heldOutPairs: number;
        trainPairs: number;
        trainLoss: number;
    }>;
    optimizeWithReward(args: OptimizeRewardJobArgs, progress: Progress): Promise<{
        onnx: Uint8Array;
        meanReward: number;
        kl: number;
    }>;
    optimizeWithDpo(args: {
        policy: Uint8Array;
        reference: Uint8Array;
        pairs: PreferenceRow[];
        options: Parameters<typeof optimizeWithDpo>[3];
    }, progress: Progress): Promise<{
        onnx: Uint8Array;
        dpoLoss: number;
        rewardMargin: number;
    }>;
    evaluate(args: {
        policy: Uint8Array;
        initial: Uint8Array;
        prompts: PromptRow[];
        judge: LocalJudgeSettings;
        options: Parameters<typeof evaluatePolicy>[4];
    }, progress: Progress): Promise<{
        winRate: number;
        winRateCI: [number, number];
        n: number;
        meanReward: number;
        meanJudgeScore: number;
        kl: number;
        flipRate: number;
    }>;
};
export type JobName = keyof typeof JOBS;
export type JobArgs<N extends JobName> = Parameters<(typeof JOBS)[N]>[0];
export type JobResult<N extends JobName> = Awaited<ReturnType<(typeof JOBS)[N]>>;
export {};
