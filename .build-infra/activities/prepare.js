"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.createPrepareActivity = createPrepareActivity;
const prepare_1 = require("../src/stages/prepare");
const context_1 = require("./context");
const compute_1 = require("./compute");
function createPrepareActivity(deps) {
    const { store } = deps;
    return async function prepare(input) {
        return (0, context_1.classified)(async () => {
            const { runKey, config } = input;
            const base = `runs/${runKey}/prepare`;
            const done = await store.get(`${base}/result.json`);
            if (done)
                return (await store.readJsonl(done))[0];
            const data = (0, prepare_1.makeDemoData)({
                seed: config.seed,
                trainPrompts: config.data.trainPrompts,
                evalPrompts: config.data.evalPrompts,
                sftExamples: config.data.sftExamples,
            });
            const trainPrompts = await store.commitJsonl(`${base}/train-prompts.jsonl`, data.train);
            const evalPrompts = await store.commitJsonl(`${base}/eval-prompts.jsonl`, data.eval);
            await store.commitJsonl(`${base}/sft.jsonl`, data.sft);
            (0, context_1.reportProgress)({ step: 0 });
            let initialPolicy = await store.get(`${base}/initial-policy.onnx`);
            let sftLoss = Number.NaN;
            if (!initialPolicy) {
                const fitted = await (0, compute_1.compute)(deps, 'sft', {
                    sft: data.sft,
                    options: {
                        seed: config.seed,
                        epochs: config.policy.sft.epochs,
                        lr: config.policy.sft.lr,
                        maxTokens: config.generate.maxTokens,
                    },
                });
                sftLoss = fitted.finalLoss;
                initialPolicy = await store.commitBytes(`${base}/initial-policy.onnx`, fitted.onnx, 1);
            }
            const prepared = { trainPrompts, evalPrompts, initialPolicy, sftLoss };
            await store.commitJsonl(`${base}/result.json`, [prepared]);
            return prepared;
        });
    };
}
//# sourceMappingURL=prepare.js.map