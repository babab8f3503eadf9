/**
 * AI feedback on one batch of generated responses: pairwise preferences (judge) or direct 1–10
 * scores (score, for direct RLAIF). The local judge is cheap, so it runs on the activity's own
 * thread in small chunks with a heartbeat after each.
 */
import type { StageInput, StageOutput } from '../src/contracts';
import type { ActivityDeps } from './deps';
export declare function createJudgeActivities(deps: ActivityDeps): {
    judge: (input: StageInput) => Promise<StageOutput>;
    score: (input: StageInput) => Promise<StageOutput>;
};
