/** Finite-difference checks of every loss gradient on tiny models. */
import {
  gradGroups,
  policyGroups,
  promptContext,
  tokensLogProb,
  zeroGrad,
  encodeResponse,
} from '../../src/models/policy';
import { dpoLoss, type DpoPair } from '../../src/policy/dpo';
import {
  groupAdvantages,
  reinforceSurrogate,
  rlooAdvantages,
  shapedReturn,
  type RolloutGroup,
} from '../../src/policy/reinforce';
import { btLoss, type BtPair } from '../../src/reward/bradley-terry';
import type { LinearReward } from '../../src/reward/linear-reward';
import { Rng } from '../../src/util/rng';
import { maxAbs, maxGradError, tinyPolicy } from './helpers';

describe('policy log-probability gradient', () => {
  it.each([
    ['a short response', 'a b', 'c d'],
    ['the empty response', 'b', ''],
    ['a response of maxLen words (forced <eos>)', 'a a d', 'd c a'],
  ])('matches finite differences for %s', (_label, prompt, response) => {
    const p = tinyPolicy(11);
    const ctx = promptContext(p.vocab, prompt);
    const ids = encodeResponse(p, response);
    const grad = zeroGrad(p);
    const value = tokensLogProb(p, ctx, ids, grad, 1);
    expect(value).toBeLessThan(0);
    expect(maxAbs(gradGroups(grad))).toBeGreaterThan(0.05);
    const err = maxGradError(policyGroups(p), gradGroups(grad), () => tokensLogProb(p, ctx, ids));
    expect(err).toBeLessThan(1e-5);
  });

  it('scales the accumulated gradient and adds to what is there', () => {
    const p = tinyPolicy(12);
    const ctx = promptContext(p.vocab, 'c');
    const ids = encodeResponse(p, 'a b');
    const once = zeroGrad(p);
    tokensLogProb(p, ctx, ids, once, 1);
    const twice = zeroGrad(p);
    tokensLogProb(p, ctx, ids, twice, 0.5);
    tokensLogProb(p, ctx, ids, twice, 1.5);
    gradGroups(once).forEach((g, gi) =>
      g.forEach((v, i) => expect((gradGroups(twice)[gi] as Float64Array)[i]).toBeCloseTo(2 * v, 12)),
    );
  });
});

describe('RLOO advantages and KL-shaped returns', () => {
  it('use the mean of the other samples as the baseline', () => {
    expect(rlooAdvantages([1, 2, 3])).toEqual([-1.5, 0, 1.5]);
    expect(rlooAdvantages([4, 4])).toEqual([0, 0]);
    expect(() => rlooAdvantages([1])).toThrow(/at least 2/);
  });

  it('subtract β (log πθ − log πref) from the reward', () => {
    expect(shapedReturn({ ids: [], logprob: -2, refLogprob: -3, reward: 1 }, 0.5)).toBeCloseTo(0.5, 12);
  });
});

describe('REINFORCE surrogate gradient', () => {
  it('matches finite differences with RLOO advantages held fixed', () => {
    const p = tinyPolicy(21);
    const rng = new Rng(5);
    const groups: RolloutGroup[] = ['a b', 'c'].map((prompt) => ({
      ctx: promptContext(p.vocab, prompt),
      rollouts: ['a', 'b c', 'd d d'].map((r) => ({
        ids: encodeResponse(p, r),
        logprob: rng.normal(),
        refLogprob: rng.normal(),
        reward: rng.normal(),
      })),
    }));
    const adv = groupAdvantages(groups, 0.3);
    const grad = zeroGrad(p);
    reinforceSurrogate(p, groups, adv, grad, 1);
    expect(maxAbs(gradGroups(grad))).toBeGreaterThan(0.01);
    const err = maxGradError(policyGroups(p), gradGroups(grad), () => reinforceSurrogate(p, groups, adv));
    expect(err).toBeLessThan(1e-5);
  });
});

describe('DPO loss gradient', () => {
  it('matches finite differences with soft labels', () => {
    const p = tinyPolicy(31);
    const ref = tinyPolicy(32);
    const pairs: DpoPair[] = [
      ['a b', 'c d', 'a', 0.8],
      ['d', 'b b', 'c a d', 0.3],
    ].map(([prompt, a, b, q]) => {
      const ctx = promptContext(p.vocab, prompt as string);
      const ia = encodeResponse(p, a as string);
      const ib = encodeResponse(p, b as string);
      return {
        ctx,
        a: ia,
        b: ib,
        q: q as number,
        refA: tokensLogProb(ref, ctx, ia),
        refB: tokensLogProb(ref, ctx, ib),
      };
    });
    const grad = zeroGrad(p);
    dpoLoss(p, pairs, 0.5, grad);
    expect(maxAbs(gradGroups(grad))).toBeGreaterThan(0.01);
    const err = maxGradError(policyGroups(p), gradGroups(grad), () => dpoLoss(p, pairs, 0.5));
    expect(err).toBeLessThan(1e-5);
  });
});

describe('Bradley–Terry loss gradient', () => {
  it('matches finite differences with centering and L2', () => {
    const rng = new Rng(41);
    const dim = 12;
    const model: LinearReward = {
      dim,
      weights: Float32Array.from({ length: dim }, () => rng.normal()),
      bias: Float32Array.of(0.3),
    };
    const sparse = () => {
      const idx = [rng.int(dim), rng.int(dim), rng.int(dim)];
      return { idx, val: idx.map(() => rng.normal()) };
    };
    const pairs: BtPair[] = Array.from({ length: 6 }, () => ({ a: sparse(), b: sparse(), q: rng.next() }));
    const reg = { centering: 0.1, l2: 0.01 };
    const grad = { weights: new Float64Array(dim), bias: new Float64Array(1) };
    btLoss(model, pairs, reg, grad);
    expect(maxAbs([grad.weights, grad.bias])).toBeGreaterThan(0.01);
    const err = maxGradError([model.weights, model.bias], [grad.weights, grad.bias], () =>
      btLoss(model, pairs, reg),
    );
    expect(err).toBeLessThan(1e-6);
  });
});
