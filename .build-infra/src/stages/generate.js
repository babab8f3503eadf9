"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.generateResponses = generateResponses;
/** Stage: sample responses from a policy checkpoint with onnxruntime-node. */
const onnx_policy_runtime_1 = require("../models/onnx-policy-runtime");
const abort_1 = require("./abort");
/** Prompts per batched ORT call: big enough to amortize a run, small enough to report progress. */
const PROMPTS_PER_CHUNK = 256;
/**
 * `samplesPerPrompt` responses per prompt, in prompt order then sample order. Deterministic given
 * the seed, and independent of how the prompts are split into calls.
 */
async function generateResponses(policyOnnx, prompts, opts, onProgress, signal) {
    (0, abort_1.throwIfAborted)(signal, 'generateResponses');
    const runtime = await onnx_policy_runtime_1.OnnxPolicyRuntime.create(policyOnnx, 'policy checkpoint');
    try {
        const rows = [];
        for (let start = 0; start < prompts.length; start += PROMPTS_PER_CHUNK) {
            (0, abort_1.throwIfAborted)(signal, 'generateResponses');
            rows.push(...(await runtime.generate(prompts.slice(start, start + PROMPTS_PER_CHUNK), opts)));
            onProgress?.(Math.min(start + PROMPTS_PER_CHUNK, prompts.length), prompts.length);
        }
        return rows;
    }
    finally {
        await runtime.release();
    }
}
//# sourceMappingURL=generate.js.map