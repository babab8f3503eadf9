import { evaluatePolicy } from '../stages/evaluate';
/** How the policy is optimized each round. */
export type Preset = 'classic' | 'dpo' | 'direct';
/** Everything one in-process run needs, grouped by stage. */
export interface InProcessOptions {
    /** classic: reward model + REINFORCE; dpo: DPO on the pairs; direct: REINFORCE on the judge's scores (d-RLAIF). */
    preset: Preset;
    seed: number;
    rounds: number;
    data: {
        trainPrompts: number;
        evalPrompts: number;
        sftExamples: number;
    };
    /** SFT of the initial policy; maxTokens is the policy's longest response everywhere. */
    sft: {
        epochs: number;
        lr: number;
        maxTokens: number;
    };
    generate: {
        samplesPerPrompt: number;
        temperature: number;
    };
    judge: {
        positionBias: number;
        sharpness: number;
    };
    reward: {
        heldOutFraction: number;
        epochs: number;
        lr: number;
        l2: number;
    };
    optimize: {
        steps: number;
        promptsPerStep: number;
        samplesPerPrompt: number;
        beta: number;
        lr: number;
        temperature: number;
    };
    /** Overrides of `optimize` for the direct preset, whose rewards live on [0, 1] instead of logits. */
    direct: {
        beta: number;
        lr: number;
    };
    dpo: {
        epochs: number;
        beta: number;
        lr: number;
    };
    evaluate: {
        temperature: number;
    };
}
/** The calibrated demo configuration (3 rounds; measured by tests/ml/learning.test.ts). */
export declare const DEMO_DEFAULTS: InProcessOptions;
/** What one round measured. */
export interface RoundReport {
    round: number;
    preferences: number;
    /** Share of this round's pairs whose raw argmax flipped with the order. */
    judgeFlipRate: number;
    reward?: {
        heldOutAgreement: number;
        heldOutPairs: number;
        trainPairs: number;
        trainLoss: number;
    };
    optimize: {
        meanReward: number;
        kl: number;
    } | {
        dpoLoss: number;
        rewardMargin: number;
    };
    evaluation: Awaited<ReturnType<typeof evaluatePolicy>>;
    seconds: Record<'generate' | 'judge' | 'reward' | 'optimize' | 'evaluate', number>;
}
/** The result of a run: the initial and final checkpoints and each round's report. */
export interface InProcessResult {
    preset: Preset;
    sftLoss: number;
    initialOnnx: Uint8Array;
    policyOnnx: Uint8Array;
    rounds: RoundReport[];
    seconds: {
        prepare: number;
        total: number;
    };
}
/** Runs the loop; `onRound` sees each report as soon as its round ends. */
export declare function runInProcess(opts: InProcessOptions, onRound?: (report: RoundReport) => void, signal?: AbortSignal): Promise<InProcessResult>;
