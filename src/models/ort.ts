/** One place that opens onnxruntime-node sessions, with the options every embedded model uses. */
import * as ort from 'onnxruntime-node';

/**
 * Opens an ORT session from model bytes. One intra-op thread: the graphs are tiny, so thread
 * hand-off costs more than it saves, and several sessions share two cores with the training loop.
 */
export async function openSession(bytes: Uint8Array, source: string): Promise<ort.InferenceSession> {
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
export function checkInputs(session: ort.InferenceSession, expected: string[], source: string): void {
  const got = [...session.inputNames].sort();
  const want = [...expected].sort();
  if (got.join(',') !== want.join(',')) {
    throw new Error(`${source} declares inputs [${got.join(', ')}], expected [${want.join(', ')}]`);
  }
}

export { ort };
