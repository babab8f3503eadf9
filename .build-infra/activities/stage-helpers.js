"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.batchName = batchName;
exports.batchSlice = batchSlice;
exports.requireArtifact = requireArtifact;
/** The batch's file stem: `batch-0003-of-0008`, or `all` for unbatched stages. */
function batchName(input) {
    if (!input.batch)
        return 'all';
    const pad = (n) => String(n).padStart(4, '0');
    return `batch-${pad(input.batch.index)}-of-${pad(input.batch.count)}`;
}
/** The rows of `items` that belong to this batch (contiguous, near-equal slices). */
function batchSlice(items, input) {
    if (!input.batch)
        return items.slice();
    const { index, count } = input.batch;
    const start = Math.floor((index * items.length) / count);
    const end = Math.floor(((index + 1) * items.length) / count);
    return items.slice(start, end);
}
/** The artifact a stage needs, or a permanent error naming it (a DAG without its producer). */
function requireArtifact(value, name) {
    if (value === undefined) {
        const err = new Error(`this stage needs the "${name}" artifact, but no earlier stage of the round produced it`);
        err.name = 'ConfigError';
        throw err;
    }
    return value;
}
//# sourceMappingURL=stage-helpers.js.map