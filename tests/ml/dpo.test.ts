/** DPO on one pair: the loss falls at every small step and the preferred response gains on the other. */
import {
  clonePolicy,
  encodeResponse,
  gradGroups,
  policyGroups,
  promptContext,
  tokensLogProb,
  zeroGrad,
} from '../../src/models/policy';
import { dpoLoss, type DpoPair } from '../../src/policy/dpo';
import { tinyPolicy } from './helpers';

describe('DPO on one pair', () => {
  it('raises log π(y_w) − log π(y_l) with a monotonically falling loss at small lr', () => {
    const p = tinyPolicy(51);
    const ref = clonePolicy(p);
    const ctx = promptContext(p.vocab, 'a c');
    const w = encodeResponse(p, 'b d');
    const l = encodeResponse(p, 'c c a');
    const pair: DpoPair = {
      ctx,
      a: w,
      b: l,
      q: 1,
      refA: tokensLogProb(ref, ctx, w),
      refB: tokensLogProb(ref, ctx, l),
    };
    const gap = () => tokensLogProb(p, ctx, w) - tokensLogProb(p, ctx, l);
    const gap0 = gap();
    const lr = 0.01;
    const losses: number[] = [];
    for (let step = 0; step < 60; step++) {
      const grad = zeroGrad(p);
      losses.push(dpoLoss(p, [pair], 0.5, grad));
      // Plain gradient descent, so "small lr" means what it says.
      policyGroups(p).forEach((g, gi) => {
        const d = gradGroups(grad)[gi] as Float64Array;
        for (let i = 0; i < g.length; i++) g[i] = (g[i] as number) - lr * (d[i] as number);
      });
    }
    losses.push(dpoLoss(p, [pair], 0.5));
    for (let i = 1; i < losses.length; i++) expect(losses[i]).toBeLessThan(losses[i - 1] as number);
    expect(losses[0]).toBeCloseTo(Math.log(2), 6);
    expect(gap() - gap0).toBeGreaterThan(0.5);
  });
});
