"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.OnnxRewardModel = exports.REWARD_KIND = void 0;
exports.exportRewardOnnx = exportRewardOnnx;
exports.rewardModelFromOnnx = rewardModelFromOnnx;
/** The reward model's ONNX form (features float [N,D] → reward float [N]) and its onnxruntime scorer. */
const build_1 = require("../onnx/build");
const ort_1 = require("../models/ort");
const features_1 = require("./features");
/** The metadata value of `kind` that marks a reward model. */
exports.REWARD_KIND = 'rlaif-linear-reward';
/** Serializes a linear reward head: MatMul(features [N,D], w [D]) → [N], plus the bias. */
function exportRewardOnnx(model) {
    return (0, build_1.buildOnnxModel)({
        name: 'linear_reward',
        inputs: [{ name: 'features', type: 'float', shape: ['N', model.dim] }],
        outputs: [{ name: 'reward', type: 'float', shape: ['N'] }],
        nodes: [
            // A 1-D right operand makes MatMul a matrix-vector product (numpy semantics): no Reshape needed.
            { op: 'MatMul', inputs: ['features', 'w'], outputs: ['score'] },
            { op: 'Add', inputs: ['score', 'b'], outputs: ['reward'] },
        ],
        weights: [
            { name: 'w', dims: [model.dim], data: model.weights },
            { name: 'b', dims: [1], data: model.bias },
        ],
        metadata: { kind: exports.REWARD_KIND, featurizer: features_1.FEATURIZER, featureDim: String(model.dim) },
    });
}
/** Reads the linear head back from a reward model's ONNX bytes, checking it matches this featurizer. */
function rewardModelFromOnnx(bytes, source = 'reward model') {
    const m = (0, build_1.readOnnxModel)(bytes, source);
    if (m.metadata.kind !== exports.REWARD_KIND) {
        throw new Error(`${source} is not a reward model: metadata kind is "${m.metadata.kind ?? ''}", expected "${exports.REWARD_KIND}"`);
    }
    if (m.metadata.featurizer !== features_1.FEATURIZER) {
        throw new Error(`${source} was built for featurizer "${m.metadata.featurizer ?? ''}", this code computes "${features_1.FEATURIZER}"`);
    }
    const dim = Number(m.metadata.featureDim);
    if (dim !== features_1.FEATURE_DIM)
        throw new Error(`${source} expects ${m.metadata.featureDim} features, the featurizer gives ${features_1.FEATURE_DIM}`);
    const w = m.weights.get('w');
    const b = m.weights.get('b');
    if (!w || w.dims.join(',') !== String(dim))
        throw new Error(`${source}: weight "w" is missing or not [${dim}]`);
    if (!b || b.data.length !== 1)
        throw new Error(`${source}: weight "b" is missing or not [1]`);
    return { dim, weights: w.data.slice(), bias: b.data.slice() };
}
/** A reward model loaded into onnxruntime-node; scores (prompt, response) rows in one batched run. */
class OnnxRewardModel {
    session;
    dim;
    constructor(session, dim) {
        this.session = session;
        this.dim = dim;
    }
    /** Loads reward-model bytes; fails clearly when they are not a reward model for this featurizer. */
    static async create(bytes, source = 'reward model') {
        const head = rewardModelFromOnnx(bytes, source);
        const session = await (0, ort_1.openSession)(bytes, source);
        (0, ort_1.checkInputs)(session, ['features'], source);
        const meta = session.inputMetadata[0];
        if (meta && meta.isTensor) {
            const last = meta.shape[meta.shape.length - 1];
            if (meta.type !== 'float32' || meta.shape.length !== 2 || last !== head.dim) {
                await session.release();
                throw new Error(`${source} declares input "features" as ${meta.type} [${meta.shape.join(', ')}], expected float32 [N, ${head.dim}]`);
            }
        }
        return new OnnxRewardModel(session, head.dim);
    }
    /** Rewards of the rows, in order. */
    async score(rows) {
        if (rows.length === 0)
            return new Float32Array(0);
        const features = (0, features_1.featurizeBatch)(rows, this.dim);
        const out = await this.session.run({ features: new ort_1.ort.Tensor('float32', features, [rows.length, this.dim]) });
        const reward = out.reward;
        if (!reward)
            throw new Error('reward model returned no "reward" output');
        return Float32Array.from(reward.data);
    }
    /** Frees the native session. */
    async release() {
        await this.session.release();
    }
}
exports.OnnxRewardModel = OnnxRewardModel;
//# sourceMappingURL=reward-model.js.map