/**
 * Train the reward model on every preference so far (this round's added to the pool of earlier
 * rounds), Bradley–Terry on the judge's soft labels, exported to ONNX.
 */
import type { StageInput, StageOutput } from '../src/contracts';
import type { ActivityDeps } from './deps';
export declare function createTrainRewardActivity(deps: ActivityDeps): (input: StageInput) => Promise<StageOutput>;
