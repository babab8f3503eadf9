/**
 * Optimize the policy and write the round's new ONNX checkpoint. The signal comes from the
 * reward model (policy gradient with a KL penalty), the judge's direct scores (d-RLAIF), or the
 * judged pairs themselves (DPO). The KL reference is always the initial policy.
 */
import type { StageSpec } from '../src/config/schema';
import type { StageInput, StageOutput } from '../src/contracts';
import type { ActivityDeps } from './deps';
export declare function createOptimizePolicyActivity(deps: ActivityDeps): (input: StageInput & {
    method?: StageSpec["method"];
}) => Promise<StageOutput>;
