/** Shared helpers of the ML tests: tiny models and a finite-difference gradient check. */
import { initPolicy, type PolicyParams } from '../../src/models/policy';
import { Vocab } from '../../src/models/vocab';
import { Rng } from '../../src/util/rng';

/** A 7-token vocabulary and a policy with maxLen 3 and random weights large enough to matter. */
export function tinyPolicy(seed: number, maxLen = 3): PolicyParams {
  const vocab = new Vocab(['<bos>', '<eos>', '<unk>', 'a', 'b', 'c', 'd']);
  return initPolicy(vocab, maxLen, new Rng(seed), 0.7);
}

/**
 * Compares an analytic gradient with central differences over every parameter. The perturbed
 * value is read back from the float32 array, so the quotient uses the step actually taken.
 * Returns the largest absolute error.
 */
export function maxGradError(
  groups: Float32Array[],
  analytic: ArrayLike<number>[],
  f: () => number,
  eps = 1e-3,
): number {
  let worst = 0;
  groups.forEach((g, gi) => {
    const a = analytic[gi] as ArrayLike<number>;
    for (let i = 0; i < g.length; i++) {
      const orig = g[i] as number;
      g[i] = orig + eps;
      const up = g[i] as number;
      const fUp = f();
      g[i] = orig - eps;
      const down = g[i] as number;
      const fDown = f();
      g[i] = orig;
      const numeric = (fUp - fDown) / (up - down);
      worst = Math.max(worst, Math.abs(numeric - (a[i] as number)));
    }
  });
  return worst;
}

/** The largest absolute value in the arrays (to show a gradient is not trivially zero). */
export function maxAbs(arrays: ArrayLike<number>[]): number {
  let m = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] as number));
  return m;
}
