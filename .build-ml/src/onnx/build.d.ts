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
/** Serializes a model to ONNX bytes (opset 17). */
export declare function buildOnnxModel(spec: ModelSpec): Uint8Array;
/** What `readOnnxModel` gives back: the weights by name and the metadata. */
export interface ReadModel {
    graphName: string;
    weights: Map<string, Weight>;
    metadata: Record<string, string>;
    inputs: string[];
}
/** Parses ONNX bytes; throws an error naming `source` when they are not an ONNX model. */
export declare function readOnnxModel(bytes: Uint8Array, source?: string): ReadModel;
