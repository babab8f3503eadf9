"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.onceOnly = onceOnly;
async function onceOnly(store, resultKey, compute) {
    const committed = await store.get(resultKey);
    if (committed) {
        const [output] = await store.readJsonl(committed);
        if (output)
            return output;
    }
    const output = await compute();
    await store.commitJsonl(resultKey, [output]);
    return output;
}
//# sourceMappingURL=once.js.map