"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.makeDemoData = makeDemoData;
exports.trainInitialPolicy = trainInitialPolicy;
/** Stage 0: the demo data and the initial (SFT) policy. */
const world_1 = require("../demo/world");
const policy_1 = require("../models/policy");
const vocab_1 = require("../models/vocab");
const sft_1 = require("../policy/sft");
const abort_1 = require("./abort");
/** Train and held-out prompts and the SFT corpus of the demo world, all from `seed`. */
function makeDemoData(opts) {
    return {
        train: (0, world_1.demoPrompts)(opts.seed, opts.trainPrompts, 'train'),
        eval: (0, world_1.demoPrompts)(opts.seed, opts.evalPrompts, 'eval'),
        sft: (0, world_1.demoSftCorpus)(opts.seed, opts.sftExamples),
    };
}
/** Minibatch size of SFT; small enough for many updates per epoch on the demo corpus. */
const SFT_BATCH = 64;
/**
 * Fits the initial policy to the SFT corpus by maximum likelihood from zero weights (the loss is
 * convex in them, so the start does not matter) and returns it as an ONNX checkpoint.
 * Progress is reported per epoch.
 */
async function trainInitialPolicy(sft, opts, onProgress, signal) {
    (0, abort_1.throwIfAborted)(signal, 'trainInitialPolicy');
    const policy = (0, policy_1.initPolicy)(vocab_1.Vocab.demo(), opts.maxTokens);
    const data = (0, sft_1.encodeSft)(policy, sft);
    const finalLoss = await (0, sft_1.trainSft)(policy, data, { epochs: opts.epochs, lr: opts.lr, batchSize: SFT_BATCH, seed: opts.seed }, async (epoch) => {
        onProgress?.(epoch, opts.epochs);
        await (0, abort_1.yieldToEventLoop)();
        (0, abort_1.throwIfAborted)(signal, 'trainInitialPolicy');
    });
    return { onnx: (0, policy_1.exportPolicyOnnx)(policy), finalLoss };
}
//# sourceMappingURL=prepare.js.map