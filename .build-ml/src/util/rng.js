"use strict";
/** Seeded pseudo-random numbers, so every sample and split is reproducible from the run's seed. */
Object.defineProperty(exports, "__esModule", { value: true });
exports.Rng = void 0;
exports.seedFrom = seedFrom;
/** A 32-bit FNV-1a hash of the parts, used to derive independent seeds from labels. */
function seedFrom(...parts) {
    let h = 0x811c9dc5;
    const text = parts.join('\u0000');
    for (let i = 0; i < text.length; i++) {
        h ^= text.charCodeAt(i);
        h = Math.imul(h, 0x01000193);
    }
    return h >>> 0;
}
/** mulberry32: small, fast and good enough for sampling; not for cryptography. */
class Rng {
    state;
    constructor(seed) {
        this.state = typeof seed === 'number' ? seed >>> 0 : seedFrom(seed);
    }
    /** A uniform number in [0, 1). */
    next() {
        this.state = (this.state + 0x6d2b79f5) >>> 0;
        let t = this.state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    }
    /** A uniform integer in [0, n). */
    int(n) {
        return Math.floor(this.next() * n);
    }
    pick(items) {
        if (items.length === 0)
            throw new Error('Rng.pick: empty list');
        return items[this.int(items.length)];
    }
    /** A standard normal sample (Box–Muller). */
    normal() {
        const u = Math.max(this.next(), 1e-12);
        const v = this.next();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
    /** Fisher–Yates shuffle of a copy. */
    shuffle(items) {
        const out = items.slice();
        for (let i = out.length - 1; i > 0; i--) {
            const j = this.int(i + 1);
            [out[i], out[j]] = [out[j], out[i]];
        }
        return out;
    }
    /** An independent stream for a labelled sub-task (same label, same stream). */
    fork(label) {
        return new Rng(seedFrom(this.state, label));
    }
}
exports.Rng = Rng;
//# sourceMappingURL=rng.js.map