/**
 * Evaluate the round's policy against the initial one on held-out prompts: win rate judged in
 * both orders with a 95% Wilson interval, mean reward, and KL to the initial policy.
 */
import type { StageInput, StageOutput } from '../src/contracts';
import type { ActivityDeps } from './deps';
export declare function createEvaluateActivity(deps: ActivityDeps): (input: StageInput) => Promise<StageOutput>;
