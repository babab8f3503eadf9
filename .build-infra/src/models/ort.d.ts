/** One place that opens onnxruntime-node sessions, with the options every embedded model uses. */
import * as ort from 'onnxruntime-node';
/**
 * Opens an ORT session from model bytes. One intra-op thread: the graphs are tiny, so thread
 * hand-off costs more than it saves, and several sessions share two cores with the training loop.
 */
export declare function openSession(bytes: Uint8Array, source: string): Promise<ort.InferenceSession>;
/** Throws unless the session declares exactly the expected input names. */
export declare function checkInputs(session: ort.InferenceSession, expected: string[], source: string): void;
export { ort };
