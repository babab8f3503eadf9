/** The stage functions on small inputs: pairing, reward training, optimization, evaluation, cancellation. */
import { demoSftCorpus } from '../../src/demo/world';
import { createLocalJudge } from '../../src/judges/create';
import {
  exportPolicyOnnx,
  initPolicy,
  policyFromOnnx,
  promptContext,
  sampleResponse,
} from '../../src/models/policy';
import { Vocab } from '../../src/models/vocab';
import { evaluatePolicy } from '../../src/stages/evaluate';
import { generateResponses } from '../../src/stages/generate';
import { flipRate, judgePairs, scoreResponses } from '../../src/stages/judge';
import {
  optimizeWithDpo,
  optimizeWithReward,
  rewardFromJudge,
  type RewardFn,
} from '../../src/stages/optimize';
import { makeDemoData, trainInitialPolicy } from '../../src/stages/prepare';
import { trainRewardModel } from '../../src/stages/train-reward';
import type { ResponseRow } from '../../src/stages/types';
import { Rng } from '../../src/util/rng';

function response(promptId: string, sample: number, text: string): ResponseRow {
  return {
    id: `${promptId}#${sample}`,
    promptId,
    prompt: 'tell me about the ocean',
    sample,
    response: text,
    logprob: -1,
  };
}

describe('judgePairs', () => {
  it('pairs samples 0–1, 2–3 of each prompt, drops an odd last one and sorts by id', () => {
    const rows = [
      response('p2', 1, 'wave tide coral'),
      response('p1', 2, 'the the'),
      response('p1', 0, 'wave'),
      response('p2', 0, 'star'),
      response('p1', 1, 'coral reef salt'),
      response('p1', 3, 'tide shell'),
      response('p1', 4, 'reef'),
    ];
    const judge = createLocalJudge({ positionBias: -1 });
    const pairs = judgePairs(judge, rows);
    expect(pairs.map((p) => p.id)).toEqual(['p1#0|p1#1', 'p1#2|p1#3', 'p2#0|p2#1']);
    expect(judgePairs(judge, [...rows].reverse())).toEqual(pairs);
    const first = pairs[0]!;
    expect(first.a).toBe('wave');
    expect(first.p).toBeCloseTo(0.5 * (first.pAB + 1 - first.pBA), 12);
    expect(first.p).toBeLessThan(0.5);
    expect(flipRate(pairs)).toBe(pairs.filter((p) => p.flipped).length / 3);
    expect(() => flipRate([])).toThrow(/no preference rows/);
    const scores = scoreResponses(judge, rows);
    expect(scores).toHaveLength(rows.length);
    expect(scores.find((s) => s.id === 'p2#1')!.score).toBeGreaterThan(
      scores.find((s) => s.id === 'p1#2')!.score,
    );
  });
});

describe('stages on a small demo', () => {
  const data = makeDemoData({ seed: 3, trainPrompts: 400, evalPrompts: 64, sftExamples: 600 });
  const judge = createLocalJudge({});
  let initial: Uint8Array;

  beforeAll(async () => {
    initial = (await trainInitialPolicy(data.sft, { seed: 3, epochs: 4, lr: 0.05, maxTokens: 10 })).onnx;
  });

  it('trainRewardModel learns the judge well above chance, scored by onnxruntime on held-out pairs', async () => {
    const responses = await generateResponses(initial, data.train, {
      samplesPerPrompt: 2,
      temperature: 1,
      seed: 1,
      maxTokens: 10,
    });
    const pairs = judgePairs(judge, responses);
    const progress: number[] = [];
    const rm = await trainRewardModel(
      pairs,
      { seed: 1, heldOutFraction: 0.25, epochs: 150, lr: 0.05, l2: 1e-4 },
      (done) => progress.push(done),
    );
    expect(rm.trainPairs + rm.heldOutPairs).toBeLessThanOrEqual(pairs.length);
    expect(rm.heldOutPairs).toBeGreaterThan(50);
    expect(rm.heldOutAgreement).toBeGreaterThan(0.62);
    expect(progress[progress.length - 1]).toBe(150);
    const again = await trainRewardModel(pairs, {
      seed: 1,
      heldOutFraction: 0.25,
      epochs: 150,
      lr: 0.05,
      l2: 1e-4,
    });
    expect(again.onnx).toEqual(rm.onnx);
    await expect(
      trainRewardModel(pairs, { seed: 1, heldOutFraction: 0, epochs: 1, lr: 0.05, l2: 0 }),
    ).rejects.toThrow(/heldOutFraction/);
    // Only ties held out: the data, not a passing fault, so no retry may be spent on it.
    const ties = pairs.slice(0, 6).map((p) => ({ ...p, p: 0.5 }));
    await expect(
      trainRewardModel(ties, { seed: 1, heldOutFraction: 0.5, epochs: 1, lr: 0.05, l2: 0 }),
    ).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringMatching(/no held-out pair with a decisive label/),
    });
  });

  it('optimizeWithReward raises a reward it is given and reports the KL it paid', async () => {
    // A reward the initial policy rarely earns: the share of the response's words that are "moon".
    const moon: RewardFn = async (rows) =>
      rows.map((r) => {
        const w = r.response.split(' ').filter(Boolean);
        return w.length === 0 ? 0 : w.filter((x) => x === 'moon').length / w.length;
      });
    const prompts = data.train.slice(0, 64);
    const opts = {
      seed: 2,
      steps: 40,
      promptsPerStep: 16,
      samplesPerPrompt: 4,
      beta: 0.01,
      lr: 0.05,
      temperature: 1,
      maxTokens: 10,
    };
    const out = await optimizeWithReward(initial, initial, prompts, moon, opts);
    const avg = async (onnx: Uint8Array) => {
      const rows = await generateResponses(onnx, prompts, {
        samplesPerPrompt: 4,
        temperature: 1,
        seed: 99,
        maxTokens: 10,
      });
      const r = await moon(rows);
      return r.reduce((a, b) => a + b, 0) / r.length;
    };
    const before = await avg(initial);
    const after = await avg(out.onnx);
    expect(after).toBeGreaterThan(before + 0.2);
    expect(out.kl).toBeGreaterThan(0);
    expect(out.meanReward).toBeGreaterThan(before);
    await expect(
      optimizeWithReward(initial, initial, prompts, moon, { ...opts, samplesPerPrompt: 1 }),
    ).rejects.toThrow(/samplesPerPrompt/);
  });

  it('optimizeWithDpo raises the implicit reward margin of the preferred responses', async () => {
    const responses = await generateResponses(initial, data.train.slice(0, 200), {
      samplesPerPrompt: 2,
      temperature: 1,
      seed: 5,
      maxTokens: 10,
    });
    const pairs = judgePairs(judge, responses);
    const out = await optimizeWithDpo(initial, initial, pairs, { seed: 1, epochs: 2, beta: 0.5, lr: 0.02 });
    expect(out.rewardMargin).toBeGreaterThan(0);
    expect(out.dpoLoss).toBeLessThan(Math.log(2));
  });

  it('evaluatePolicy of a policy against itself is an exact half with zero KL', async () => {
    const ev = await evaluatePolicy(initial, initial, data.eval, judge, {
      seed: 4,
      temperature: 1,
      maxTokens: 10,
    });
    expect(ev.n).toBe(64);
    expect(ev.winRate).toBe(0.5);
    expect(ev.winRateCI[0]).toBeLessThan(0.5);
    expect(ev.winRateCI[1]).toBeGreaterThan(0.5);
    expect(Math.abs(ev.kl)).toBeLessThan(1e-3);
    expect(ev.meanReward).toBeCloseTo((ev.meanJudgeScore - 1) / 9, 10);
  });

  it('evaluatePolicy sees a better policy win', async () => {
    const better = await optimizeWithReward(initial, initial, data.train, rewardFromJudge(judge), {
      seed: 3,
      steps: 30,
      promptsPerStep: 32,
      samplesPerPrompt: 4,
      beta: 0.01,
      lr: 0.03,
      temperature: 1,
      maxTokens: 10,
    });
    const ev = await evaluatePolicy(better.onnx, initial, data.eval, judge, {
      seed: 4,
      temperature: 1,
      maxTokens: 10,
    });
    expect(ev.winRate).toBeGreaterThan(0.6);
    expect(ev.kl).toBeGreaterThan(0.1);
  });

  it('stage functions stop with an AbortError', async () => {
    const ctrl = new AbortController();
    ctrl.abort();
    await expect(
      generateResponses(
        initial,
        data.train,
        { samplesPerPrompt: 2, temperature: 1, seed: 1, maxTokens: 10 },
        undefined,
        ctrl.signal,
      ),
    ).rejects.toMatchObject({ name: 'AbortError' });
    const late = new AbortController();
    const run = optimizeWithReward(
      initial,
      initial,
      data.train,
      rewardFromJudge(judge),
      {
        seed: 1,
        steps: 1000,
        promptsPerStep: 8,
        samplesPerPrompt: 2,
        beta: 0.1,
        lr: 0.01,
        temperature: 1,
        maxTokens: 10,
      },
      (done) => {
        if (done === 3) late.abort();
      },
      late.signal,
    );
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('the JS sampler and the checkpoint agree on what the policy is', () => {
    const p = policyFromOnnx(initial);
    const s = sampleResponse(p, promptContext(p.vocab, data.eval[0]!.prompt), new Rng(1), { temperature: 1 });
    expect(s.response.split(' ').filter(Boolean).length).toBeLessThanOrEqual(10);
    expect(exportPolicyOnnx(p)).toEqual(initial);
    expect(() => policyFromOnnx(exportPolicyOnnx(initPolicy(Vocab.demo(), 4)))).not.toThrow();
    expect(demoSftCorpus(1, 1)).toHaveLength(1);
  });
});
