/** Small statistics for the evaluation report. */
/** The Wilson score interval for a binomial proportion (z = 1.96: 95%); successes may be fractional (ties count half). */
export declare function wilsonInterval(successes: number, n: number, z?: number): [number, number];
/** The arithmetic mean; throws on an empty list rather than returning NaN. */
export declare function mean(xs: ArrayLike<number>): number;
