/** Small numeric helpers shared by the models and losses (computed in float64). */

// Bound once at module scope: inside a VM-sandboxed runner (jest) every `Math.x` in a hot loop is
// a slow global lookup, which made training ten times slower there.
const { exp, log, log1p } = Math;

/** The logistic function σ(x) = 1 / (1 + e^−x), stable for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + exp(-x));
  const e = exp(x);
  return e / (1 + e);
}

/** log σ(x), stable for large |x|: −softplus(−x). */
export function logSigmoid(x: number): number {
  return x >= 0 ? -log1p(exp(-x)) : x - log1p(exp(x));
}

/**
 * Softmax of `logits / temperature` over the allowed entries only (the others get probability 0),
 * written into `out`. Returns log Σ exp over the allowed entries (the log normalizer).
 */
export function maskedSoftmax(
  logits: ArrayLike<number>,
  allowed: ArrayLike<boolean>,
  temperature: number,
  out: Float64Array,
): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    if (allowed[i] && (logits[i] as number) / temperature > max) max = (logits[i] as number) / temperature;
  }
  if (max === -Infinity) throw new Error('maskedSoftmax: no token is allowed');
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = allowed[i] ? exp((logits[i] as number) / temperature - max) : 0;
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < logits.length; i++) out[i] = (out[i] as number) / sum;
  return max + log(sum);
}
