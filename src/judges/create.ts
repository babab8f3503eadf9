/** Builds the embedded judge from a partial configuration with documented defaults. */
import { LocalPairwiseJudge, type LocalJudgeOptions } from './local-judge';

/**
 * Defaults: a clear bias toward the second answer (logit −1), like the small LLM labelers of
 * Lee et al. 2023, so debiasing visibly matters; sharpness 1.5 per quality point.
 */
export const LOCAL_JUDGE_DEFAULTS: LocalJudgeOptions = { positionBias: -1.0, sharpness: 1.5 };

/** A local lexical judge; missing options take LOCAL_JUDGE_DEFAULTS. */
export function createLocalJudge(
  cfg: { positionBias?: number; sharpness?: number } = {},
): LocalPairwiseJudge {
  return new LocalPairwiseJudge({
    positionBias: cfg.positionBias ?? LOCAL_JUDGE_DEFAULTS.positionBias,
    sharpness: cfg.sharpness ?? LOCAL_JUDGE_DEFAULTS.sharpness,
  });
}
