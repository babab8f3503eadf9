"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.createJudgeActivities = createJudgeActivities;
const create_1 = require("../src/judges/create");
const judge_1 = require("../src/stages/judge");
const artifact_1 = require("../src/store/artifact");
const batch_1 = require("./batch");
const context_1 = require("./context");
const once_1 = require("./once");
const stage_helpers_1 = require("./stage-helpers");
/** Groups rows by prompt, keeping order, so a chunk never splits a prompt's samples. */
function groupByPrompt(rows) {
    const groups = [];
    for (const row of rows) {
        const last = groups[groups.length - 1];
        if (last && last[0]?.promptId === row.promptId)
            last.push(row);
        else
            groups.push([row]);
    }
    return groups;
}
function judgeOf(config) {
    return (0, create_1.createLocalJudge)({ positionBias: config.judge.positionBias, sharpness: config.judge.sharpness });
}
async function responsesOfBatch(deps, input) {
    const refs = (0, stage_helpers_1.requireArtifact)(input.board.responses, 'responses');
    const ref = refs[input.batch?.index ?? 0];
    if (!ref)
        throw new Error(`no responses batch ${input.batch?.index ?? 0} (the round has ${refs.length})`);
    return deps.store.readJsonl(ref);
}
const CHUNK_PROMPTS = 8;
function createJudgeActivities(deps) {
    const { store } = deps;
    async function judge(input) {
        return (0, context_1.classified)(async () => {
            const { runKey, round, stageId, config } = input;
            const name = (0, stage_helpers_1.batchName)(input);
            return (0, once_1.onceOnly)(store, (0, artifact_1.stageKey)(runKey, round, stageId, `${name}.result.json`), async () => {
                const groups = groupByPrompt(await responsesOfBatch(deps, input));
                const judgeModel = judgeOf(config);
                const pairsOf = (group) => {
                    const pairs = (0, judge_1.judgePairs)(judgeModel, group);
                    // Without swapping, the label is the single-order verdict, position bias and all.
                    return config.judge.swapOrder ? pairs : pairs.map((p) => ({ ...p, p: p.pAB }));
                };
                const total = groups.reduce((s, g) => s + Math.floor(g.length / 2), 0);
                const signal = (0, context_1.activitySignal)();
                const { ref, rows } = await (0, batch_1.runResumableBatch)({
                    store,
                    key: (0, artifact_1.stageKey)(runKey, round, stageId, `${name}.jsonl`),
                    total,
                    compute: async (skip, emit) => {
                        let seen = 0;
                        let chunk = [];
                        for (const group of groups) {
                            if (signal.aborted)
                                throw new Error('judging cancelled');
                            const pairs = pairsOf(group);
                            if (seen >= skip)
                                chunk.push(...pairs);
                            seen += pairs.length;
                            if (chunk.length >= CHUNK_PROMPTS) {
                                await emit(chunk);
                                chunk = [];
                            }
                        }
                        await emit(chunk);
                    },
                });
                return {
                    artifacts: { preferences: [ref] },
                    metrics: { pairs: rows.length, flipRate: (0, judge_1.flipRate)(rows) },
                };
            });
        });
    }
    async function score(input) {
        return (0, context_1.classified)(async () => {
            const { runKey, round, stageId, config } = input;
            const name = (0, stage_helpers_1.batchName)(input);
            return (0, once_1.onceOnly)(store, (0, artifact_1.stageKey)(runKey, round, stageId, `${name}.result.json`), async () => {
                const responses = await responsesOfBatch(deps, input);
                const judgeModel = judgeOf(config);
                const { ref, rows } = await (0, batch_1.runResumableBatch)({
                    store,
                    key: (0, artifact_1.stageKey)(runKey, round, stageId, `${name}.jsonl`),
                    total: responses.length,
                    compute: async (skip, emit) => {
                        for (let i = skip; i < responses.length; i += CHUNK_PROMPTS) {
                            await emit((0, judge_1.scoreResponses)(judgeModel, responses.slice(i, i + CHUNK_PROMPTS)));
                        }
                    },
                });
                const meanScore = rows.reduce((s, r) => s + r.score, 0) / Math.max(rows.length, 1);
                return { artifacts: { scores: [ref] }, metrics: { scored: rows.length, meanJudgeScore: meanScore } };
            });
        });
    }
    return { judge, score };
}
//# sourceMappingURL=judge.js.map