/**
 * Tiny llama-architecture models with the GPT-2 tokenizer, written as GGUF for a real model server
 * (Ollama) to load. The point is the protocol, not the text, so the weights are built by hand: the
 * last token's embedding picks one of three behaviours, which the output matrix turns into logits.
 *
 * - after "=" (the end of "Preferred Response=" and "Rating="): an answer token, "1" and "2" (and
 *   the other scores "3".."10") with chosen logits, so a judge's soft label is about
 *   σ(answer1 − answer2);
 * - after an answer digit: end of text, so a parsed answer reads "1" or "2", not "1111…";
 * - after anything else: short texts from a small word list, ending with end of text.
 *
 * The transformer layers hold small random weights: they make the logits depend a little on the
 * whole context (so judgments differ from pair to pair and by order) without overriding the
 * behaviour the last token picked.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Rng } from '../../../src/util/rng';
import { TensorType, ValueType, meta, type GgufFile, type MetaValue, type Tensor } from './format';
import { readGguf } from './reader';
import { writeGguf } from './writer';

/** The GPT-2 tokenizer as a vocab-only GGUF, kept beside the project (../shared/test-models). */
export const VOCAB_FILE_NAME = 'ggml-vocab-gpt-2.gguf';

/**
 * The shared test-models folder: $RLAIF_TEST_MODELS, else the first `shared/test-models` in a
 * folder above this checkout (a git worktree may sit deeper than the main checkout). Undefined
 * when there is none.
 */
export function findTestModelsDir(start = path.resolve(__dirname, '..', '..', '..')): string | undefined {
  const fromEnv = process.env.RLAIF_TEST_MODELS;
  if (fromEnv) return fs.existsSync(path.join(fromEnv, VOCAB_FILE_NAME)) ? fromEnv : undefined;
  // dist/tests/helpers/gguf → the checkout is three or four levels up; walk up from there.
  for (let dir = start; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'shared', 'test-models');
    if (fs.existsSync(path.join(candidate, VOCAB_FILE_NAME))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** What a tiny model says; logits are the targets at the answer / text positions. */
export interface TinyLlamaSpec {
  name: string;
  seed: number;
  /** Logits of the answer tokens after "=": keys are token texts ("1", "2", … "10"). */
  answerLogits: Record<string, number>;
  /** Words (token texts, "Ġ" for a leading space) a text continues with, and their logit. */
  words: string[];
  wordLogit: number;
  /** Logit of end-of-text after an ordinary token: sets the texts' mean length. */
  endLogit: number;
  /** Spread (standard deviation) of the answer and word logits from one context to another. */
  contextSpread: number;
  /** Scale of what the layers add to the residual stream (0: the last token alone decides). */
  layerScale?: number;
  embedding?: number;
  layers?: number;
  heads?: number;
  feedForward?: number;
}

/** Words of the demo world, so policy texts look like the embedded demo's. */
const DEMO_WORDS = [
  'Ġthe',
  'Ġocean',
  'Ġnight',
  'Ġcalm',
  'Ġwaves',
  'Ġdark',
  'Ġwater',
  'Ġforest',
  'Ġtrees',
  'Ġquiet',
  'Ġcity',
  'Ġlights',
  'Ġbright',
  'Ġcold',
  'Ġwind',
  'Ġsoft',
  'Ġgreen',
  'Ġstars',
  'Ġand',
  'Ġa',
];

/** A judge that prefers the first response (p ≈ 0.77 here) and gives low scores, "1" to "3" mostly. */
export function judgeSpec(seed = 1): TinyLlamaSpec {
  return {
    name: 'tiny-judge',
    seed,
    answerLogits: {
      '1': 18,
      '2': 17,
      '3': 15.5,
      '4': 15.3,
      '5': 15.1,
      '6': 14.9,
      '7': 14.7,
      '8': 14.4,
      '9': 14.1,
      '10': 13.8,
    },
    words: DEMO_WORDS,
    wordLogit: 16,
    endLogit: 17.5,
    contextSpread: 1,
  };
}

/** A policy that writes a few demo words per answer (about one token in ten ends the text). */
export function policySpec(seed = 2): TinyLlamaSpec {
  return { ...judgeSpec(seed), name: 'tiny-policy', endLogit: 16.8, contextSpread: 0.3 };
}

const ANSWER = 0;
const AFTER_ANSWER = 1;
const TEXT = 2;
/** Dimensions that carry context noise into the answer and word logits. */
const FIRST_FREE = 3;

function tokenizerMetadata(vocab: GgufFile): Map<string, MetaValue> {
  const out = new Map<string, MetaValue>();
  for (const [k, v] of vocab.metadata) if (k.startsWith('tokenizer.')) out.set(k, v);
  if (!out.has('tokenizer.ggml.tokens')) throw new Error('the vocabulary file has no tokenizer.ggml.tokens');
  // The last token alone picks the behaviour, and a BOS in front of every prompt adds nothing.
  out.set('tokenizer.ggml.add_bos_token', meta.bool(false));
  return out;
}

function tokenIds(tokens: readonly string[], texts: readonly string[], what: string): number[] {
  return texts.map((t) => {
    const id = tokens.indexOf(t);
    if (id < 0) throw new Error(`${what}: the tokenizer has no token "${t}"`);
    return id;
  });
}

/** The metadata and tensors of a tiny model for `spec` with the tokenizer of `vocab`. */
export function buildTinyLlama(
  spec: TinyLlamaSpec,
  vocab: GgufFile,
): { metadata: Map<string, MetaValue>; tensors: Tensor[] } {
  const d = spec.embedding ?? 64;
  const nLayers = spec.layers ?? 2;
  const heads = spec.heads ?? 4;
  const ff = spec.feedForward ?? 128;
  const headDim = d / heads;
  const tokMeta = tokenizerMetadata(vocab);
  const tokensValue = tokMeta.get('tokenizer.ggml.tokens');
  if (!tokensValue || tokensValue.type !== ValueType.ARRAY)
    throw new Error('tokenizer.ggml.tokens is not an array');
  const tokens = tokensValue.items as string[];
  const nVocab = tokens.length;
  const eosValue = tokMeta.get('tokenizer.ggml.eos_token_id');
  const eos = eosValue && eosValue.type === ValueType.UINT32 ? eosValue.value : nVocab - 1;
  const rng = new Rng(spec.seed);

  const classOf = new Uint8Array(nVocab).fill(TEXT);
  for (const id of tokenIds(tokens, ['=', 'Ġ='], 'answer position')) classOf[id] = ANSWER;
  const digits = Object.keys(spec.answerLogits);
  for (const id of tokenIds(tokens, [...digits, ...digits.map((t) => `Ġ${t}`)], 'answer tokens'))
    classOf[id] = AFTER_ANSWER;

  // Token embeddings: the behaviour's axis plus a little noise (ggml order: [d, nVocab]).
  const NOISE = 0.05;
  const embd = new Float32Array(d * nVocab);
  for (let v = 0; v < nVocab; v++) {
    // The answer position's own embedding is clean, so its free dimensions hold only what the
    // layers bring from the context: the answer logits vary by context around their set values.
    if (classOf[v] !== ANSWER) for (let j = FIRST_FREE; j < d; j++) embd[v * d + j] = NOISE * rng.normal();
    embd[v * d + (classOf[v] as number)] = 1;
  }
  // After RMS normalization the behaviour's axis is about √d / √(1 + noise): scale logits by it.
  const gain = Math.sqrt(d / (1 + (d - FIRST_FREE) * NOISE * NOISE));
  const free = d - FIRST_FREE;
  // A free dimension of the normalized state is about 1 (noise and layer output together), so
  // per-dimension weights of spread/√free give the logit that spread.
  const spreadWeight = (s: number) => s / Math.sqrt(free);

  const out = new Float32Array(d * nVocab);
  const setLogit = (id: number, axis: number, logit: number, spread: number) => {
    out[id * d + axis] = logit / gain;
    for (let j = FIRST_FREE; j < d; j++) out[id * d + j] = spreadWeight(spread) * rng.normal();
  };
  tokenIds(tokens, digits, 'answer tokens').forEach((id, i) =>
    setLogit(id, ANSWER, spec.answerLogits[digits[i] as string] as number, spec.contextSpread),
  );
  for (const id of tokenIds(tokens, spec.words, 'words'))
    setLogit(id, TEXT, spec.wordLogit + 0.5 * rng.normal(), spec.contextSpread);
  out[eos * d + TEXT] = spec.endLogit / gain;
  out[eos * d + AFTER_ANSWER] = 24 / gain;

  const tensors: Tensor[] = [
    { name: 'token_embd.weight', dims: [d, nVocab], type: TensorType.F16, data: embd },
    { name: 'output_norm.weight', dims: [d], type: TensorType.F32, data: new Float32Array(d).fill(1) },
    { name: 'output.weight', dims: [d, nVocab], type: TensorType.F16, data: out },
  ];
  // Layers: random weights scaled so their output moves the free dimensions (context noise) and
  // barely touches the behaviour axes, which the residual stream carries from the last token.
  const random = (rows: number, cols: number, scale: number, keepAxes = false) => {
    const m = new Float32Array(rows * cols);
    for (let o = 0; o < cols; o++)
      for (let i = 0; i < rows; i++) if (!keepAxes || o >= FIRST_FREE) m[o * rows + i] = scale * rng.normal();
    return m;
  };
  for (let l = 0; l < nLayers; l++) {
    const p = `blk.${l}.`;
    const s = 1 / Math.sqrt(d);
    const k = spec.layerScale ?? 0.03;
    tensors.push(
      { name: `${p}attn_norm.weight`, dims: [d], type: TensorType.F32, data: new Float32Array(d).fill(1) },
      { name: `${p}attn_q.weight`, dims: [d, d], type: TensorType.F32, data: random(d, d, 2 * s) },
      { name: `${p}attn_k.weight`, dims: [d, d], type: TensorType.F32, data: random(d, d, 2 * s) },
      { name: `${p}attn_v.weight`, dims: [d, d], type: TensorType.F32, data: random(d, d, s) },
      {
        name: `${p}attn_output.weight`,
        dims: [d, d],
        type: TensorType.F32,
        data: random(d, d, k * s, true),
      },
      { name: `${p}ffn_norm.weight`, dims: [d], type: TensorType.F32, data: new Float32Array(d).fill(1) },
      { name: `${p}ffn_gate.weight`, dims: [d, ff], type: TensorType.F32, data: random(d, ff, s) },
      { name: `${p}ffn_up.weight`, dims: [d, ff], type: TensorType.F32, data: random(d, ff, s) },
      {
        name: `${p}ffn_down.weight`,
        dims: [ff, d],
        type: TensorType.F32,
        data: random(ff, d, k / Math.sqrt(ff), true),
      },
    );
  }

  const metadata = new Map<string, MetaValue>([
    ['general.architecture', meta.str('llama')],
    ['general.name', meta.str(spec.name)],
    ['general.file_type', meta.u32(1)],
    ['llama.context_length', meta.u32(4096)],
    ['llama.embedding_length', meta.u32(d)],
    ['llama.block_count', meta.u32(nLayers)],
    ['llama.feed_forward_length', meta.u32(ff)],
    ['llama.rope.dimension_count', meta.u32(headDim)],
    ['llama.attention.head_count', meta.u32(heads)],
    ['llama.attention.head_count_kv', meta.u32(heads)],
    ['llama.attention.layer_norm_rms_epsilon', meta.f32(1e-5)],
    ['llama.vocab_size', meta.u32(nVocab)],
    ...tokMeta,
  ]);
  return { metadata, tensors };
}

/** Writes the model of `spec` to `file`, with the tokenizer of the vocab file at `vocabFile`. */
export function writeTinyLlama(file: string, spec: TinyLlamaSpec, vocabFile: string): void {
  const { metadata, tensors } = buildTinyLlama(spec, readGguf(vocabFile));
  writeGguf(file, metadata, tensors);
}
