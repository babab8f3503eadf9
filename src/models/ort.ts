/** One place that loads onnxruntime-node and opens sessions, with the options every embedded model uses. */
import { createRequire } from 'module';
import type * as OrtModule from 'onnxruntime-node';

/**
 * onnxruntime-node, loaded with Node's own require. Under a VM-sandboxed test runner (jest) a plain
 * import would load ORT's JavaScript into the sandbox while its native binding builds output
 * arrays in the main realm, and ORT's `instanceof Float32Array` checks then fail. Node's require
 * keeps ORT's classes and the binding's arrays in one realm, in tests and in production alike.
 */
const ort = createRequire(__filename)('onnxruntime-node') as typeof OrtModule;

/** An open ORT session. */
export type OrtSession = OrtModule.InferenceSession;
/** An ORT tensor. */
export type OrtTensor = OrtModule.Tensor;

// The typed-array constructors of ORT's realm (the same as the global ones outside a sandbox).
const OrtFloat32Array = (new ort.Tensor('float32', [0], [1]).data as Float32Array).constructor as Float32ArrayConstructor;
const OrtBigInt64Array = (new ort.Tensor('int64', [0n], [1]).data as BigInt64Array).constructor as BigInt64ArrayConstructor;

/** A float32 tensor over `data` (a zero-copy view of its buffer). */
export function floatTensor(data: Float32Array, dims: number[]): OrtTensor {
  return new ort.Tensor('float32', new OrtFloat32Array(data.buffer, data.byteOffset, data.length), dims);
}

/** An int64 tensor over `data` (a zero-copy view of its buffer). */
export function int64Tensor(data: BigInt64Array, dims: number[]): OrtTensor {
  return new ort.Tensor('int64', new OrtBigInt64Array(data.buffer, data.byteOffset, data.length), dims);
}

/** A float32 output of a run, copied out of ORT's buffer; throws naming the output when it is missing. */
export function floatOutput(outputs: OrtModule.InferenceSession.ReturnType, name: string, source: string): Float32Array {
  const t = outputs[name];
  if (!t) throw new Error(`${source} returned no "${name}" output`);
  if (t.type !== 'float32') throw new Error(`${source} output "${name}" is ${t.type}, expected float32`);
  return Float32Array.from(t.data as Float32Array);
}

/**
 * Opens an ORT session from model bytes. One intra-op thread: the graphs are tiny, so thread
 * hand-off costs more than it saves, and several sessions share two cores with the training loop.
 */
export async function openSession(bytes: Uint8Array, source: string): Promise<OrtSession> {
  try {
    return await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (err) {
    throw new Error(`onnxruntime could not load ${source}: ${(err as Error).message}`);
  }
}

/** Throws unless the session declares exactly the expected input names. */
export function checkInputs(session: OrtSession, expected: string[], source: string): void {
  const got = [...session.inputNames].sort();
  const want = [...expected].sort();
  if (got.join(',') !== want.join(',')) {
    throw new Error(`${source} declares inputs [${got.join(', ')}], expected [${want.join(', ')}]`);
  }
}
