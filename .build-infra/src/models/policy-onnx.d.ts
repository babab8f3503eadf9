import type { PolicyParams } from './policy-params';
/** The metadata value of `kind` that marks a policy checkpoint. */
export declare const POLICY_KIND = "rlaif-loglinear-policy";
/** Serializes the policy: inputs prev int64 [N], ctx float [N,V], pos int64 [N]; output logits float [N,V]. */
export declare function exportPolicyOnnx(p: PolicyParams): Uint8Array;
/** Reads a policy checkpoint; errors name `source` and what is missing or malformed. */
export declare function policyFromOnnx(bytes: Uint8Array, source?: string): PolicyParams;
