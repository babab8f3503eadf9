/**
 * The served embedding model: a signed, hashed bag of words and adjacent word pairs, L2-normalized.
 * Texts that share words get a positive cosine similarity; the same text always gets the same vector.
 */
import { seedFrom } from '../util/rng';

/** Dimension of `local-embed` vectors unless the request asks for `dimensions`. */
export const EMBED_DIM = 256;

/** Weight of an adjacent word pair relative to a word. */
const PAIR_WEIGHT = 0.5;

/** The words of a text as the embedder sees them (lowercased, split on whitespace). */
export function embedWords(text: string): string[] {
  return text.toLowerCase().split(/\s+/).filter(Boolean);
}

/** The embedding of one text, rounded to float32 (what the base64 encoding carries). */
export function embedText(text: string, dim = EMBED_DIM): Float32Array {
  const v = new Float64Array(dim);
  const add = (key: string, weight: number) => {
    const h = seedFrom('embed', key);
    const i = h % dim;
    v[i] = (v[i] as number) + (h & 0x80000000 ? -weight : weight);
  };
  const words = embedWords(text);
  words.forEach((w, i) => {
    add(`w:${w}`, 1);
    if (i > 0) add(`p:${words[i - 1] as string} ${w}`, PAIR_WEIGHT);
  });
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return Float32Array.from(v, (x) => (norm > 0 ? x / norm : 0));
}

/** Float32 little-endian bytes in base64, OpenAI's `encoding_format: "base64"`. */
export function embeddingToBase64(v: Float32Array): string {
  const copy = Float32Array.from(v);
  return Buffer.from(copy.buffer, copy.byteOffset, copy.byteLength).toString('base64');
}
