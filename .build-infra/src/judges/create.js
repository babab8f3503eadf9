"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.LOCAL_JUDGE_DEFAULTS = void 0;
exports.createLocalJudge = createLocalJudge;
/** Builds the embedded judge from a partial configuration with documented defaults. */
const local_judge_1 = require("./local-judge");
/**
 * Defaults: a clear bias toward the second answer (logit −1), like the small LLM labelers of
 * Lee et al. 2023, so debiasing visibly matters; sharpness 1.5 per quality point.
 */
exports.LOCAL_JUDGE_DEFAULTS = { positionBias: -1.0, sharpness: 1.5 };
/** A local lexical judge; missing options take LOCAL_JUDGE_DEFAULTS. */
function createLocalJudge(cfg = {}) {
    return new local_judge_1.LocalPairwiseJudge({
        positionBias: cfg.positionBias ?? exports.LOCAL_JUDGE_DEFAULTS.positionBias,
        sharpness: cfg.sharpness ?? exports.LOCAL_JUDGE_DEFAULTS.sharpness,
    });
}
//# sourceMappingURL=create.js.map