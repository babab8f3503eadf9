/** Generate: one batch of prompts, each sampled `samplesPerPrompt` times from the round's policy. */
import type { StageInput, StageOutput } from '../src/contracts';
import type { ActivityDeps } from './deps';
export declare function createGenerateActivity(deps: ActivityDeps): (input: StageInput) => Promise<StageOutput>;
