"use strict";
/** Small statistics for the evaluation report. */
Object.defineProperty(exports, "__esModule", { value: true });
exports.wilsonInterval = wilsonInterval;
exports.mean = mean;
/** The Wilson score interval for a binomial proportion (z = 1.96: 95%); successes may be fractional (ties count half). */
function wilsonInterval(successes, n, z = 1.96) {
    if (!(n > 0))
        throw new Error(`wilsonInterval: n must be > 0, got ${n}`);
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
function mean(xs) {
    if (xs.length === 0)
        throw new Error('mean: empty list');
    let s = 0;
    for (let i = 0; i < xs.length; i++)
        s += xs[i];
    return s / xs.length;
}
//# sourceMappingURL=stats.js.map