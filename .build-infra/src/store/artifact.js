"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.keyOfRef = keyOfRef;
exports.stageKey = stageKey;
/** The store key of a reference (`store:runs/x/...` → `runs/x/...`). */
function keyOfRef(ref) {
    if (!ref.uri.startsWith('store:'))
        throw new Error(`not an artifact-store reference: ${ref.uri}`);
    return ref.uri.slice('store:'.length);
}
/** The deterministic key of a stage's output: run, round, stage, batch. */
function stageKey(runKey, round, stageId, name) {
    return `runs/${runKey}/round-${String(round).padStart(4, '0')}/${stageId}/${name}`;
}
//# sourceMappingURL=artifact.js.map