/** Stage: sample responses from a policy checkpoint with onnxruntime-node. */
import { OnnxPolicyRuntime } from '../models/onnx-policy-runtime';
import { throwIfAborted } from './abort';
import type { ProgressFn, PromptRow, ResponseRow } from './types';

/** Prompts per batched ORT call: big enough to amortize a run, small enough to report progress. */
const PROMPTS_PER_CHUNK = 256;

/**
 * `samplesPerPrompt` responses per prompt, in prompt order then sample order. Deterministic given
 * the seed, and independent of how the prompts are split into calls.
 */
export async function generateResponses(
  policyOnnx: Uint8Array,
  prompts: PromptRow[],
  opts: { samplesPerPrompt: number; temperature: number; seed: number; maxTokens: number },
  onProgress?: ProgressFn,
  signal?: AbortSignal,
): Promise<ResponseRow[]> {
  throwIfAborted(signal, 'generateResponses');
  const runtime = await OnnxPolicyRuntime.create(policyOnnx, 'policy checkpoint');
  try {
    const rows: ResponseRow[] = [];
    for (let start = 0; start < prompts.length; start += PROMPTS_PER_CHUNK) {
      throwIfAborted(signal, 'generateResponses');
      rows.push(...(await runtime.generate(prompts.slice(start, start + PROMPTS_PER_CHUNK), opts)));
      onProgress?.(Math.min(start + PROMPTS_PER_CHUNK, prompts.length), prompts.length);
    }
    return rows;
  } finally {
    await runtime.release();
  }
}
