/** Bradley–Terry on synthetic data drawn from known rewards recovers them. */
import { sigmoid } from '../../src/models/math';
import { trainBradleyTerry, type BtPair } from '../../src/reward/bradley-terry';
import { rewardOf } from '../../src/reward/linear-reward';
import { Rng } from '../../src/util/rng';

const TRUE_REWARDS = [0.3, -1.2, 2.0, 0.9, -0.4, 1.5, -2.1, 0.0];
const item = (i: number) => ({ idx: [i], val: [1] });

function order(xs: number[]): number[] {
  return xs.map((_, i) => i).sort((a, b) => (xs[a] as number) - (xs[b] as number));
}

describe('trainBradleyTerry', () => {
  it('recovers the order and the gaps of known rewards from soft labels', async () => {
    const pairs: BtPair[] = [];
    for (let i = 0; i < TRUE_REWARDS.length; i++) {
      for (let j = 0; j < TRUE_REWARDS.length; j++) {
        if (i !== j)
          pairs.push({
            a: item(i),
            b: item(j),
            q: sigmoid((TRUE_REWARDS[i] as number) - (TRUE_REWARDS[j] as number)),
          });
      }
    }
    const { model } = await trainBradleyTerry(pairs, {
      dim: TRUE_REWARDS.length,
      epochs: 1500,
      lr: 0.05,
      l2: 0,
      centering: 0,
    });
    const learned = TRUE_REWARDS.map((_, i) => rewardOf(model, item(i)));
    expect(order(learned)).toEqual(order(TRUE_REWARDS));
    const shift = learned[0] - TRUE_REWARDS[0];
    learned.forEach((r, i) => expect(Math.abs(r - shift - TRUE_REWARDS[i])).toBeLessThan(0.02));
  });

  it('recovers the order from hard labels sampled from the Bradley–Terry model', async () => {
    const rng = new Rng(3);
    const pairs: BtPair[] = [];
    for (let k = 0; k < 3000; k++) {
      const i = rng.int(TRUE_REWARDS.length);
      const j = (i + 1 + rng.int(TRUE_REWARDS.length - 1)) % TRUE_REWARDS.length;
      const win = rng.next() < sigmoid(TRUE_REWARDS[i] - TRUE_REWARDS[j]);
      pairs.push({ a: item(i), b: item(j), q: win ? 1 : 0 });
    }
    const { model } = await trainBradleyTerry(pairs, {
      dim: TRUE_REWARDS.length,
      epochs: 400,
      lr: 0.05,
      l2: 1e-4,
      centering: 0.001,
    });
    const learned = TRUE_REWARDS.map((_, i) => rewardOf(model, item(i)));
    expect(order(learned)).toEqual(order(TRUE_REWARDS));
  });
});
