"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.createCheckpointActivities = createCheckpointActivities;
const context_1 = require("./context");
const checkpointKey = (runKey) => `runs/${runKey}/checkpoint.json`;
function createCheckpointActivities(deps) {
    const { store } = deps;
    async function loadCheckpoint(input) {
        return (0, context_1.classified)(async () => (await store.readJson(checkpointKey(input.runKey))) ?? null);
    }
    /** Saves a checkpoint unless a later round is already saved (a replayed or late save). */
    async function saveCheckpoint(checkpoint) {
        return (0, context_1.classified)(async () => {
            const current = await store.readJson(checkpointKey(checkpoint.runKey));
            if (current && current.round >= checkpoint.round)
                return;
            await store.writeJson(checkpointKey(checkpoint.runKey), checkpoint);
        });
    }
    return { loadCheckpoint, saveCheckpoint };
}
//# sourceMappingURL=checkpoint.js.map