/** Builds the embedded judge from a partial configuration with documented defaults. */
import { LocalPairwiseJudge, type LocalJudgeOptions } from './local-judge';
/**
 * Defaults: a clear bias toward the second answer (logit −1), like the small LLM labelers of
 * Lee et al. 2023, so debiasing visibly matters; sharpness 1.5 per quality point.
 */
export declare const LOCAL_JUDGE_DEFAULTS: LocalJudgeOptions;
/** A local lexical judge; missing options take LOCAL_JUDGE_DEFAULTS. */
export declare function createLocalJudge(cfg?: {
    positionBias?: number;
    sharpness?: number;
}): LocalPairwiseJudge;
