/**
 * Writes and reads the small ONNX graphs of the embedded models, using the ONNX protobuf schema
 * from `onnx-proto`. The ONNX file is the checkpoint: training reads its weights back from the
 * initializers, and inference runs it with onnxruntime-node.
 */
import { onnx } from 'onnx-proto';

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

/** A named float tensor stored in the graph as an initializer (a weight). */
export interface Weight {
  name: string;
  dims: number[];
  data: Float32Array;
}

/** A graph input or output: element type and shape (a string is a symbolic dimension). */
export interface ValueSpec {
  name: string;
  type: 'float' | 'int64';
  shape: Array<number | string>;
}

/** One graph node. Attributes are integers, floats or integer lists only (all the models need). */
export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, number | number[]>;
  /** Integer attributes must be flagged so they are not written as floats. */
  intAttributes?: string[];
}

export interface ModelSpec {
  name: string;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  nodes: NodeSpec[];
  weights: Weight[];
  /** Small string metadata (vocabulary, model kind), stored as metadata_props. */
  metadata?: Record<string, string>;
}

function valueInfo(v: ValueSpec): onnx.IValueInfoProto {
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

function attribute(name: string, value: number | number[], isInt: boolean): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  return isInt ? { name, type: T.INT, i: value } : { name, type: T.FLOAT, f: value };
}

/** Serializes a model to ONNX bytes (opset 17). */
export function buildOnnxModel(spec: ModelSpec): Uint8Array {
  const model = onnx.ModelProto.create({
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
        attribute: Object.entries(n.attributes ?? {}).map(([k, v]) =>
          attribute(k, v, Array.isArray(v) || (n.intAttributes ?? []).includes(k)),
        ),
      })),
      initializer: spec.weights.map((w) => {
        if (w.data.length !== w.dims.reduce((a, b) => a * b, 1)) {
          throw new Error(
            `ONNX weight ${w.name}: ${w.data.length} values do not fill dims [${w.dims.join(', ')}]`,
          );
        }
        const copy = new Float32Array(w.data);
        return { name: w.name, dims: w.dims, dataType: FLOAT, rawData: new Uint8Array(copy.buffer) };
      }),
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** What `readOnnxModel` gives back: the weights by name and the metadata. */
export interface ReadModel {
  graphName: string;
  weights: Map<string, Weight>;
  metadata: Record<string, string>;
  inputs: string[];
}

/** Parses ONNX bytes; throws an error naming `source` when they are not an ONNX model. */
export function readOnnxModel(bytes: Uint8Array, source = 'model'): ReadModel {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new Error(`${source} is not an ONNX model: ${(err as Error).message}`, { cause: err });
  }
  if (!model.graph) throw new Error(`${source} is not an ONNX model: it has no graph`);
  const weights = new Map<string, Weight>();
  for (const init of model.graph.initializer ?? []) {
    const dims = (init.dims ?? []).map((d) => Number(d));
    let data: Float32Array;
    if (init.rawData && init.rawData.length > 0) {
      const raw = init.rawData;
      data = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    } else {
      data = Float32Array.from(init.floatData ?? []);
    }
    weights.set(init.name ?? '', { name: init.name ?? '', dims, data });
  }
  const metadata: Record<string, string> = {};
  for (const p of model.metadataProps ?? []) metadata[p.key ?? ''] = p.value ?? '';
  return {
    graphName: model.graph.name ?? '',
    weights,
    metadata,
    inputs: (model.graph.input ?? []).map((i) => i.name ?? ''),
  };
}
