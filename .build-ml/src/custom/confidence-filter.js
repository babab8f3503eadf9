"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.createConfidenceFilterStage = createConfidenceFilterStage;
const artifact_1 = require("../store/artifact");
function createConfidenceFilterStage(store, minMargin = 0.1) {
    return async function confidenceFilter(input) {
        const refs = input.board.preferences ?? [];
        const rows = await store.readAllJsonl(refs);
        const kept = rows.filter((r) => Math.abs(r.p - 0.5) >= minMargin);
        const ref = await store.commitJsonl((0, artifact_1.stageKey)(input.runKey, input.round, input.stageId, 'kept.jsonl'), kept);
        return { artifacts: { preferences: [ref] }, metrics: { pairsKept: kept.length, pairsDropped: rows.length - kept.length } };
    };
}
//# sourceMappingURL=confidence-filter.js.map