import type { PairwiseJudge, ScoringJudge } from './pairwise-judge';
/** The judge's fixed weights (see the module comment). */
export declare const LOCAL_JUDGE_WEIGHTS: {
    readonly onTopicDistinct: 1;
    readonly offTopic: -0.8;
    readonly filler: -0.3;
    readonly other: -0.5;
    readonly repeat: -0.6;
    readonly lengthOutside: -0.8;
    readonly minWords: 3;
    readonly maxWords: 8;
};
/** Options of the local judge. */
export interface LocalJudgeOptions {
    /** Logit added in favour of the answer shown first; negative favours the second. */
    positionBias: number;
    /** Scale from quality difference to preference logit: higher is a more decisive judge. */
    sharpness: number;
}
/** A fixed lexical judge: pairwise soft labels and expected 1–10 scores from one quality function. */
export declare class LocalPairwiseJudge implements PairwiseJudge, ScoringJudge {
    readonly options: LocalJudgeOptions;
    readonly name: string;
    constructor(options: LocalJudgeOptions);
    /** The judge's quality of a response to a prompt (higher is better; 0 is a mediocre answer). */
    quality(prompt: string, response: string): number;
    private wordCost;
    /** p(first better) = σ(sharpness · (q_first − q_second) + positionBias). */
    compare(prompt: string, first: string, second: string): number;
    /**
     * The expected 1–10 score, read like d-RLAIF reads score-token probabilities: a softmax over
     * s = 1..10 with logits −(s − c)²/2 centred on c = 4 + quality, then Σ s · p(s).
     */
    score(prompt: string, response: string): number;
}
