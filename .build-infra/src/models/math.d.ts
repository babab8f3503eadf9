/** Small numeric helpers shared by the models and losses (computed in float64). */
/** The logistic function σ(x) = 1 / (1 + e^−x), stable for large |x|. */
export declare function sigmoid(x: number): number;
/** log σ(x), stable for large |x|: −softplus(−x). */
export declare function logSigmoid(x: number): number;
/**
 * Softmax of `logits / temperature` over the allowed entries only (the others get probability 0),
 * written into `out`. Returns log Σ exp over the allowed entries (the log normalizer).
 */
export declare function maskedSoftmax(logits: ArrayLike<number>, allowed: ArrayLike<boolean>, temperature: number, out: Float64Array): number;
