"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.rlaifRound = rlaifRound;
/**
 * One round of the RLAIF loop as a child workflow: the config's stage DAG, with batched stages
 * fanned out as parallel activities under a concurrency bound. A child per round keeps every
 * execution's history bounded however many rounds the run has.
 */
const workflow_1 = require("@temporalio/workflow");
const parse_1 = require("../src/config/parse");
const definitions_1 = require("./definitions");
const stage_options_1 = require("./stage-options");
const ACTIVITY_OF = {
    generate: 'rlaif.generate',
    judge: 'rlaif.judge',
    score: 'rlaif.score',
    'train-reward': 'rlaif.trainReward',
    'optimize-policy': 'rlaif.optimizePolicy',
    evaluate: 'rlaif.evaluate',
};
/** Metrics that are counts add up over batches; the rest are averaged, weighted by rows. */
const SUMMED = new Set(['responses', 'pairs', 'scored']);
/** How many batch activities a stage fans out to, given what the board holds. */
function batchCount(stage, input, board) {
    const cfg = input.config;
    if (stage.type === 'generate')
        return Math.max(1, Math.ceil(board.trainPrompts.count / cfg.generate.batchSize));
    if (stage.type === 'judge' || stage.type === 'score')
        return Math.max(1, board.responses?.length ?? 1);
    return 0; // not batched
}
function mergeBatchOutputs(outputs) {
    const artifacts = {};
    const listKeys = ['responses', 'preferences', 'scores'];
    for (const key of listKeys) {
        const refs = outputs.flatMap((o) => o.artifacts[key] ?? []);
        if (refs.length > 0)
            artifacts[key] = refs;
    }
    const weights = outputs.map((o) => {
        const refs = [...(o.artifacts.responses ?? []), ...(o.artifacts.preferences ?? []), ...(o.artifacts.scores ?? [])];
        return Math.max(1, refs.reduce((s, r) => s + r.count, 0));
    });
    const totalWeight = weights.reduce((a, b) => a + b, 0);
    const metrics = {};
    outputs.forEach((o, i) => {
        for (const [k, v] of Object.entries(o.metrics)) {
            const w = SUMMED.has(k) ? 1 : (weights[i] ?? 1) / totalWeight;
            metrics[k] = (metrics[k] ?? 0) + v * w;
        }
    });
    return { artifacts, metrics };
}
async function rlaifRound(input) {
    const { config, round, runKey } = input;
    const stages = (0, parse_1.stagesOf)(config);
    const board = { ...input.board };
    const metrics = {};
    let paused = false;
    (0, workflow_1.setHandler)(definitions_1.setPausedSignal, (value) => {
        paused = value;
    });
    const parent = input.parentWorkflowId ? (0, workflow_1.getExternalWorkflowHandle)(input.parentWorkflowId) : undefined;
    const report = async (p) => {
        (0, workflow_1.setCurrentDetails)(`**Round ${p.round}/${config.rounds}** · stage **${p.stage}** · batches ${p.batchesDone}/${p.batchesTotal}`);
        // Progress is best effort: a parent that has gone (terminated) must not fail the round.
        if (parent)
            await parent.signal(definitions_1.stageProgressSignal, p).catch(() => undefined);
    };
    const call = async (stage, batch) => {
        await (0, workflow_1.condition)(() => !paused);
        const name = stage.type === 'custom' ? stage.activity : ACTIVITY_OF[stage.type];
        const where = batch ? ` batch ${batch.index + 1}/${batch.count}` : '';
        const stageInput = {
            runKey,
            round,
            stageId: stage.id,
            config,
            board,
            ...(batch ? { batch } : {}),
            ...(stage.method ? { method: stage.method } : {}),
        };
        return (0, workflow_1.scheduleActivity)(name, [stageInput], (0, stage_options_1.stageActivityOptions)(config, stage, `round ${round} · ${stage.id}${where}`));
    };
    const runStage = async (stage) => {
        const count = batchCount(stage, input, board);
        let output;
        if (count === 0) {
            await report({ round, stage: stage.id, batchesDone: 0, batchesTotal: 1 });
            output = await call(stage, undefined);
            await report({ round, stage: stage.id, batchesDone: 1, batchesTotal: 1 });
        }
        else {
            await report({ round, stage: stage.id, batchesDone: 0, batchesTotal: count });
            const outputs = new Array(count);
            let next = 0;
            let done = 0;
            // A fixed number of lanes, each taking the next batch: at most `concurrency` in flight.
            const lane = async () => {
                while (next < count) {
                    const index = next++;
                    outputs[index] = await call(stage, { index, count });
                    done++;
                    await report({ round, stage: stage.id, batchesDone: done, batchesTotal: count });
                }
            };
            await Promise.all(Array.from({ length: Math.min(config.concurrency, count) }, lane));
            output = mergeBatchOutputs(outputs);
        }
        Object.assign(board, output.artifacts);
        Object.assign(metrics, output.metrics);
    };
    // Run the DAG: start every stage whose dependencies are done; independent stages overlap.
    const finished = new Set();
    const started = new Set();
    const running = new Map();
    while (finished.size < stages.length) {
        for (const stage of stages) {
            if (!started.has(stage.id) && stage.after.every((d) => finished.has(d))) {
                started.add(stage.id);
                running.set(stage.id, runStage(stage).then(() => stage.id));
            }
        }
        const id = await Promise.race(running.values());
        running.delete(id);
        finished.add(id);
    }
    return {
        round,
        policy: board.newPolicy ?? board.policy,
        ...(board.preferencePool ? { preferencePool: board.preferencePool } : {}),
        metrics,
    };
}
//# sourceMappingURL=round.js.map