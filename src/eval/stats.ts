/** Small statistics for the evaluation report. */

/** The Wilson score interval for a binomial proportion (z = 1.96: 95%); successes may be fractional (ties count half). */
export function wilsonInterval(successes: number, n: number, z = 1.96): [number, number] {
  if (!(n > 0)) throw new Error(`wilsonInterval: n must be > 0, got ${n}`);
  if (successes < 0 || successes > n)
    throw new Error(`wilsonInterval: successes ${successes} outside 0..${n}`);
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** The arithmetic mean; throws on an empty list rather than returning NaN. */
export function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) throw new Error('mean: empty list');
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] as number;
  return s / xs.length;
}
