/** Length of the feature vector (hash buckets). */
export declare const FEATURE_DIM = 4096;
/** Name of this featurizer, stored in the reward model's ONNX metadata so a mismatch is caught. */
export declare const FEATURIZER = "hashed-lexical-v1";
/** The non-zero entries of a feature vector (bucket indices may repeat; values then add). */
export interface SparseFeatures {
    idx: number[];
    val: number[];
}
/**
 * The sparse features: for each distinct response word its presence, its count and its extra
 * repeats; for each (prompt word, distinct response word) pair its presence and extra repeats
 * (conjunctions, so "which words suit this prompt" is learnable by a linear head); the response
 * length as a one-hot bucket; the total number of repeated words. Signed hashing (a second hash
 * bit picks ±1) keeps collisions from biasing a weight.
 */
export declare function featurizeSparse(prompt: string, response: string, dim?: number): SparseFeatures;
/** The dense feature vector of one (prompt, response), written into `out` when given. */
export declare function featurize(prompt: string, response: string, out?: Float32Array<ArrayBuffer>): Float32Array;
/** Dense features of many rows as one row-major [N, D] block, the reward model's ONNX input. */
export declare function featurizeBatch(rows: {
    prompt: string;
    response: string;
}[], dim?: number): Float32Array;
