"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.buildOnnxModel = buildOnnxModel;
exports.readOnnxModel = readOnnxModel;
/**
 * Writes and reads the small ONNX graphs of the embedded models, using the ONNX protobuf schema
 * from `onnx-proto`. The ONNX file is the checkpoint: training reads its weights back from the
 * initializers, and inference runs it with onnxruntime-node.
 */
const onnx_proto_1 = require("onnx-proto");
const FLOAT = onnx_proto_1.onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx_proto_1.onnx.TensorProto.DataType.INT64;
function valueInfo(v) {
    return {
        name: v.name,
        type: {
            tensorType: {
                elemType: v.type === 'float' ? FLOAT : INT64,
                shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
            },
        },
    };
}
function attribute(name, value, isInt) {
    const T = onnx_proto_1.onnx.AttributeProto.AttributeType;
    if (Array.isArray(value))
        return { name, type: T.INTS, ints: value };
    return isInt ? { name, type: T.INT, i: value } : { name, type: T.FLOAT, f: value };
}
/** Serializes a model to ONNX bytes (opset 17). */
function buildOnnxModel(spec) {
    const model = onnx_proto_1.onnx.ModelProto.create({
        irVersion: 8,
        opsetImport: [{ domain: '', version: 17 }],
        producerName: 'temporal-rlaif',
        metadataProps: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
        graph: {
            name: spec.name,
            node: spec.nodes.map((n, i) => ({
                name: `${n.op}_${i}`,
                opType: n.op,
                input: n.inputs,
                output: n.outputs,
                attribute: Object.entries(n.attributes ?? {}).map(([k, v]) => attribute(k, v, Array.isArray(v) || (n.intAttributes ?? []).includes(k))),
            })),
            initializer: spec.weights.map((w) => {
                if (w.data.length !== w.dims.reduce((a, b) => a * b, 1)) {
                    throw new Error(`ONNX weight ${w.name}: ${w.data.length} values do not fill dims [${w.dims.join(', ')}]`);
                }
                const copy = new Float32Array(w.data);
                return { name: w.name, dims: w.dims, dataType: FLOAT, rawData: new Uint8Array(copy.buffer) };
            }),
            input: spec.inputs.map(valueInfo),
            output: spec.outputs.map(valueInfo),
        },
    });
    return onnx_proto_1.onnx.ModelProto.encode(model).finish();
}
/** Parses ONNX bytes; throws an error naming `source` when they are not an ONNX model. */
function readOnnxModel(bytes, source = 'model') {
    let model;
    try {
        model = onnx_proto_1.onnx.ModelProto.decode(bytes);
    }
    catch (err) {
        throw new Error(`${source} is not an ONNX model: ${err.message}`);
    }
    if (!model.graph)
        throw new Error(`${source} is not an ONNX model: it has no graph`);
    const weights = new Map();
    for (const init of model.graph.initializer ?? []) {
        const dims = (init.dims ?? []).map((d) => Number(d));
        let data;
        if (init.rawData && init.rawData.length > 0) {
            const raw = init.rawData;
            data = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
        }
        else {
            data = Float32Array.from(init.floatData ?? []);
        }
        weights.set(init.name ?? '', { name: init.name ?? '', dims, data });
    }
    const metadata = {};
    for (const p of model.metadataProps ?? [])
        metadata[p.key ?? ''] = p.value ?? '';
    return {
        graphName: model.graph.name ?? '',
        weights,
        metadata,
        inputs: (model.graph.input ?? []).map((i) => i.name ?? ''),
    };
}
//# sourceMappingURL=build.js.map