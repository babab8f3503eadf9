"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.runResumableBatch = runResumableBatch;
const context_1 = require("./context");
async function runResumableBatch(batch) {
    const { store, key, total } = batch;
    const existing = await store.get(key);
    if (existing)
        return { ref: existing, rows: await store.readJsonl(existing) };
    const resumedFrom = (0, context_1.previousProgress)()?.rows ?? 0;
    const kept = resumedFrom > 0 ? await store.readPartial(key, resumedFrom) : [];
    await store.resetPartial(key, kept);
    const rows = [...kept];
    (0, context_1.reportProgress)({ rows: rows.length, total });
    await batch.compute(rows.length, async (more) => {
        await store.appendPartial(key, more);
        rows.push(...more);
        (0, context_1.reportProgress)({ rows: rows.length, total });
    });
    if (rows.length !== total) {
        throw new Error(`batch ${key} produced ${rows.length} rows, expected ${total}`);
    }
    const ref = await store.commitJsonl(key, rows);
    await store.clearPartial(key);
    return { ref, rows };
}
//# sourceMappingURL=batch.js.map