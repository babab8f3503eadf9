"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.createGenerateActivity = createGenerateActivity;
const rng_1 = require("../src/util/rng");
const artifact_1 = require("../src/store/artifact");
const batch_1 = require("./batch");
const context_1 = require("./context");
const compute_1 = require("./compute");
const once_1 = require("./once");
const stage_helpers_1 = require("./stage-helpers");
function createGenerateActivity(deps) {
    const { store } = deps;
    return async function generate(input) {
        return (0, context_1.classified)(async () => {
            const { runKey, round, stageId, config, board } = input;
            const name = (0, stage_helpers_1.batchName)(input);
            return (0, once_1.onceOnly)(store, (0, artifact_1.stageKey)(runKey, round, stageId, `${name}.result.json`), async () => {
                const allPrompts = await store.readJsonl((0, stage_helpers_1.requireArtifact)(board.trainPrompts, 'trainPrompts'));
                const prompts = (0, stage_helpers_1.batchSlice)(allPrompts, input);
                const k = config.generate.samplesPerPrompt;
                const policy = await store.readBytes((0, stage_helpers_1.requireArtifact)(board.policy, 'policy'));
                const { ref, rows } = await (0, batch_1.runResumableBatch)({
                    store,
                    key: (0, artifact_1.stageKey)(runKey, round, stageId, `${name}.jsonl`),
                    total: prompts.length * k,
                    compute: async (skip, emit) => {
                        // Rows come in whole prompts (k samples each); resume at the first unfinished prompt.
                        const remaining = prompts.slice(Math.floor(skip / k));
                        await (0, compute_1.compute)(deps, 'generate', {
                            policy,
                            prompts: remaining,
                            samplesPerPrompt: k,
                            temperature: config.generate.temperature,
                            maxTokens: config.generate.maxTokens,
                            seed: (0, rng_1.seedFrom)(config.seed, 'generate', round),
                            chunk: 8,
                        }, (more) => emit(more));
                    },
                });
                const meanLength = rows.reduce((s, r) => s + r.response.split(/\s+/).filter(Boolean).length, 0) / Math.max(rows.length, 1);
                return { artifacts: { responses: [ref] }, metrics: { responses: rows.length, meanResponseWords: meanLength } };
            });
        });
    };
}
//# sourceMappingURL=generate.js.map