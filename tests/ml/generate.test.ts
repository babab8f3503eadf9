/** Generation with onnxruntime-node: deterministic, independent of batching, log-probs match the JS model. */
import { demoPrompts } from '../../src/demo/world';
import { OnnxPolicyRuntime } from '../../src/models/onnx-policy-runtime';
import { exportPolicyOnnx, initPolicy, sequenceLogProb } from '../../src/models/policy';
import { Vocab } from '../../src/models/vocab';
import { generateResponses } from '../../src/stages/generate';
import { Rng } from '../../src/util/rng';

describe('generateResponses', () => {
  const policy = initPolicy(Vocab.demo(), 8, new Rng(4), 1.0);
  const onnx = exportPolicyOnnx(policy);
  const prompts = demoPrompts(5, 30, 'train');
  const opts = { samplesPerPrompt: 3, temperature: 1, seed: 17, maxTokens: 8 };

  it('is deterministic and does not depend on how the prompts are split', async () => {
    const all = await generateResponses(onnx, prompts, opts);
    const again = await generateResponses(onnx, prompts, opts);
    const split = [
      ...(await generateResponses(onnx, prompts.slice(0, 7), opts)),
      ...(await generateResponses(onnx, prompts.slice(7, 8), opts)),
      ...(await generateResponses(onnx, prompts.slice(8), opts)),
    ];
    expect(all).toHaveLength(90);
    expect(again).toEqual(all);
    expect(split).toEqual(all);
    expect(all[4]).toMatchObject({ id: `${prompts[1]!.id}#1`, promptId: prompts[1]!.id, sample: 1 });
    // Different seeds give different samples.
    const other = await generateResponses(onnx, prompts, { ...opts, seed: 18 });
    expect(other.map((r) => r.response)).not.toEqual(all.map((r) => r.response));
  });

  it('reports log π(y|x) at temperature 1 as the JS model computes it, also when sampled hotter or cut short', async () => {
    for (const o of [opts, { ...opts, temperature: 1.7 }, { ...opts, maxTokens: 2 }]) {
      const rows = await generateResponses(onnx, prompts.slice(0, 10), o);
      for (const r of rows) {
        expect(r.response.split(' ').filter(Boolean).length).toBeLessThanOrEqual(o.maxTokens);
        expect(Math.abs(r.logprob - sequenceLogProb(policy, r.prompt, r.response))).toBeLessThan(1e-3);
      }
    }
  });

  it('fails clearly on bytes that are not a policy', async () => {
    await expect(OnnxPolicyRuntime.create(Uint8Array.of(9, 9, 9), 'junk.onnx')).rejects.toThrow(/junk\.onnx/);
  });
});
