/** Direct RLAIF on samples an LLM judge scored: the policy moves toward the higher-scored samples. */
import { exportPolicyOnnx, initPolicy, policyFromOnnx, promptContext } from '../../src/models/policy';
import { encodeResponse, tokensLogProb } from '../../src/models/policy-logprob';
import { Vocab } from '../../src/models/vocab';
import { optimizeOnScoredSamples, type ScoredSample } from '../../src/stages/optimize';
import { Rng } from '../../src/util/rng';

const initial = exportPolicyOnnx(initPolicy(Vocab.demo(), 8, new Rng(3), 0.1));
const prompts = ['describe the ocean at night', 'describe the forest', 'tell me about the moon'];
const good = 'wave tide coral reef';
const bad = 'the star the star';

function samples(): ScoredSample[] {
  return prompts.flatMap((prompt, i) => [
    { promptId: `p${i}`, prompt, response: good, reward: 0.9 },
    { promptId: `p${i}`, prompt, response: bad, reward: 0.1 },
  ]);
}

function margin(onnx: Uint8Array, prompt: string): number {
  const p = policyFromOnnx(onnx, 'test');
  const ctx = promptContext(p.vocab, prompt);
  return tokensLogProb(p, ctx, encodeResponse(p, good)) - tokensLogProb(p, ctx, encodeResponse(p, bad));
}

test('raises the log-probability of the higher-scored sample of every prompt, and reports what it used', async () => {
  const extra: ScoredSample[] = [
    // Not a word of the policy's vocabulary: left out, not fatal.
    { promptId: 'p0', prompt: prompts[0]!, response: 'zebra', reward: 1 },
    // Alone for its prompt: no baseline, left out.
    { promptId: 'p9', prompt: 'describe the city', response: good, reward: 1 },
  ];
  const out = await optimizeOnScoredSamples(initial, initial, [...samples(), ...extra], {
    steps: 20,
    beta: 0.01,
    lr: 0.05,
  });
  expect(out.samples).toBe(6);
  expect(out.skipped).toBe(2);
  expect(out.meanReward).toBeCloseTo(0.5, 9);
  for (const prompt of prompts) expect(margin(out.onnx, prompt)).toBeGreaterThan(margin(initial, prompt) + 1);
  // Scores the other way round move it the other way.
  const flipped = samples().map((s) => ({ ...s, reward: 1 - s.reward }));
  const back = await optimizeOnScoredSamples(initial, initial, flipped, { steps: 20, beta: 0.01, lr: 0.05 });
  for (const prompt of prompts) expect(margin(back.onnx, prompt)).toBeLessThan(margin(initial, prompt) - 1);
});

test('samples the policy cannot produce at all fail clearly, naming what to change', async () => {
  const foreign = samples().map((s) => ({ ...s, response: 'The ocean is vast and dark.' }));
  await expect(
    optimizeOnScoredSamples(initial, initial, foreign, { steps: 1, beta: 0, lr: 0.1 }),
  ).rejects.toMatchObject({
    name: 'InvalidInputError',
    message: expect.stringMatching(/no generate\.endpoint/),
  });
});
