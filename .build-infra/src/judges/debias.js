"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.judgeBothOrders = judgeBothOrders;
/** Which response the judge picks in one order; 'none' at exactly 0.5. */
function pick(pFirst, first, second) {
    if (pFirst > 0.5)
        return first;
    if (pFirst < 0.5)
        return second;
    return 'none';
}
/** Judges (a, b) and (b, a) and combines them. */
function judgeBothOrders(judge, prompt, a, b) {
    const pAB = judge.compare(prompt, a, b);
    const pBA = judge.compare(prompt, b, a);
    for (const [label, v] of [['pAB', pAB], ['pBA', pBA]]) {
        if (!(v >= 0 && v <= 1))
            throw new Error(`judge ${judge.name} returned ${label} = ${v}, not a probability`);
    }
    return {
        pAB,
        pBA,
        p: 0.5 * (pAB + (1 - pBA)),
        flipped: pick(pAB, 'a', 'b') !== pick(pBA, 'b', 'a'),
    };
}
//# sourceMappingURL=debias.js.map