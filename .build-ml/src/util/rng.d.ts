/** Seeded pseudo-random numbers, so every sample and split is reproducible from the run's seed. */
/** A 32-bit FNV-1a hash of the parts, used to derive independent seeds from labels. */
export declare function seedFrom(...parts: Array<string | number>): number;
/** mulberry32: small, fast and good enough for sampling; not for cryptography. */
export declare class Rng {
    private state;
    constructor(seed: number | string);
    /** A uniform number in [0, 1). */
    next(): number;
    /** A uniform integer in [0, n). */
    int(n: number): number;
    pick<T>(items: readonly T[]): T;
    /** A standard normal sample (Box–Muller). */
    normal(): number;
    /** Fisher–Yates shuffle of a copy. */
    shuffle<T>(items: readonly T[]): T[];
    /** An independent stream for a labelled sub-task (same label, same stream). */
    fork(label: string | number): Rng;
}
