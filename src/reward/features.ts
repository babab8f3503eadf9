/**
 * The reward model's featurizer: a fixed-size hashed vector of lexical features of a (prompt,
 * response) pair. It knows nothing of topics or of the judge's rules; which words go with which
 * prompts is left for the Bradley–Terry head to learn from the preferences.
 */
import { seedFrom } from '../util/rng';

/** Length of the feature vector (hash buckets). */
export const FEATURE_DIM = 4096;
/** Name of this featurizer, stored in the reward model's ONNX metadata so a mismatch is caught. */
export const FEATURIZER = 'hashed-lexical-v1';

/** The non-zero entries of a feature vector (bucket indices may repeat; values then add). */
export interface SparseFeatures {
  idx: number[];
  val: number[];
}

const LONGEST_BUCKET = 12;

/**
 * Hashes of feature keys, memoized: the keys repeat endlessly (they come from a vocabulary), and
 * hashing a string char by char dominated featurization. Cleared when full so it stays bounded.
 */
const hashCache = new Map<string, number>();
const HASH_CACHE_LIMIT = 1 << 18;

function keyHash(key: string): number {
  let h = hashCache.get(key);
  if (h === undefined) {
    if (hashCache.size >= HASH_CACHE_LIMIT) hashCache.clear();
    h = seedFrom('f', key);
    hashCache.set(key, h);
  }
  return h;
}

function words(text: string): string[] {
  return text.toLowerCase().split(/\s+/).filter(Boolean);
}

/**
 * The sparse features: for each distinct response word its presence, its count and its extra
 * repeats; for each (prompt word, distinct response word) pair its presence and extra repeats
 * (conjunctions, so "which words suit this prompt" is learnable by a linear head); the response
 * length as a one-hot bucket; the total number of repeated words. Signed hashing (a second hash
 * bit picks ±1) keeps collisions from biasing a weight.
 */
export function featurizeSparse(prompt: string, response: string, dim = FEATURE_DIM): SparseFeatures {
  const out: SparseFeatures = { idx: [], val: [] };
  const add = (key: string, value: number): void => {
    const h = keyHash(key);
    out.idx.push(h % dim);
    out.val.push(h & 0x80000000 ? -value : value);
  };
  const resp = words(response);
  const counts = new Map<string, number>();
  for (const w of resp) counts.set(w, (counts.get(w) ?? 0) + 1);
  const promptWords = [...new Set(words(prompt))];
  let repeats = 0;
  for (const [w, c] of counts) {
    add(`w:${w}`, 1);
    add(`c:${w}`, c);
    if (c > 1) add(`r:${w}`, c - 1);
    repeats += c - 1;
    for (const p of promptWords) {
      add(`pw:${p}|${w}`, 1);
      if (c > 1) add(`pr:${p}|${w}`, c - 1);
    }
  }
  add(`len:${Math.min(resp.length, LONGEST_BUCKET)}`, 1);
  add('repeats', repeats);
  return out;
}

/** The dense feature vector of one (prompt, response), written into `out` when given. */
export function featurize(
  prompt: string,
  response: string,
  out = new Float32Array(FEATURE_DIM),
): Float32Array {
  out.fill(0);
  const f = featurizeSparse(prompt, response, out.length);
  f.idx.forEach((i, k) => (out[i] = (out[i] as number) + (f.val[k] as number)));
  return out;
}

/** Dense features of many rows as one row-major [N, D] block, the reward model's ONNX input. */
export function featurizeBatch(
  rows: { prompt: string; response: string }[],
  dim = FEATURE_DIM,
): Float32Array {
  const block = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => featurize(r.prompt, r.response, block.subarray(i * dim, (i + 1) * dim)));
  return block;
}
