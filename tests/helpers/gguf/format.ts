/**
 * The GGUF v3 container as llama.cpp documents it (docs/gguf.md in ggml): a header, typed
 * key/value metadata, tensor descriptions, then the tensor data, each tensor aligned. Only what the
 * tests' tiny models need is modelled: every metadata type, and F32/F16 tensors.
 */

/** "GGUF" read as a little-endian uint32. */
export const GGUF_MAGIC = 0x46554747;
export const GGUF_VERSION = 3;
/** Tensor data alignment when `general.alignment` is absent. */
export const DEFAULT_ALIGNMENT = 32;

/** Metadata value types (gguf_metadata_value_type). */
export enum ValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

/** Tensor element types (ggml_type) the writer and reader handle. */
export enum TensorType {
  F32 = 0,
  F16 = 1,
}

/** A scalar metadata value with its GGUF type (numbers keep their width; 64-bit ones are bigints). */
export type Scalar =
  | { type: ValueType.STRING; value: string }
  | { type: ValueType.BOOL; value: boolean }
  | { type: ValueType.UINT64 | ValueType.INT64; value: bigint }
  | {
      type:
        | ValueType.UINT8
        | ValueType.INT8
        | ValueType.UINT16
        | ValueType.INT16
        | ValueType.UINT32
        | ValueType.INT32
        | ValueType.FLOAT32
        | ValueType.FLOAT64;
      value: number;
    };

/** An array of one element type; the elements of an array of arrays are arrays themselves. */
export interface ArrayValue {
  type: ValueType.ARRAY;
  itemType: ValueType;
  items: Array<Scalar['value'] | ArrayValue>;
}

/** A metadata value: a scalar or an array. */
export type MetaValue = Scalar | ArrayValue;

/** One tensor: its name, shape as ggml orders it (ne[0] varies fastest) and values. */
export interface Tensor {
  name: string;
  /** ggml order: for a matrix multiplying a vector of size `in` into size `out`, [in, out]. */
  dims: number[];
  type: TensorType;
  /** Row-major in ggml order: element (i0, i1) at i1·dims[0] + i0. */
  data: Float32Array;
}

/** A whole GGUF file in memory. */
export interface GgufFile {
  version: number;
  /** Metadata in file order. */
  metadata: Map<string, MetaValue>;
  tensors: Tensor[];
}

/** Bytes per element of a tensor type. */
export function elementBytes(type: TensorType): number {
  if (type === TensorType.F32) return 4;
  if (type === TensorType.F16) return 2;
  throw new Error(`GGUF tensor type ${String(type)} is not supported here (only F32 and F16)`);
}

/** Elements of a tensor of these dims. */
export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, d) => a * d, 1);
}

/** Rounds `n` up to a multiple of `alignment`. */
export function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

/** Shorthands for metadata values. */
export const meta = {
  str: (value: string): MetaValue => ({ type: ValueType.STRING, value }),
  u32: (value: number): MetaValue => ({ type: ValueType.UINT32, value }),
  i32: (value: number): MetaValue => ({ type: ValueType.INT32, value }),
  f32: (value: number): MetaValue => ({ type: ValueType.FLOAT32, value }),
  bool: (value: boolean): MetaValue => ({ type: ValueType.BOOL, value }),
  strings: (items: string[]): MetaValue => ({ type: ValueType.ARRAY, itemType: ValueType.STRING, items }),
};
