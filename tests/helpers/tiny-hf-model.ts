/** A tiny Hugging Face-style sequence classifier (ONNX) and its BERT tokenizer.json, for tests. */
import { buildOnnxModel, type NodeSpec, type ValueSpec } from '../../src/onnx/build';
import { Rng } from '../../src/util/rng';

/** A BERT-style vocabulary: specials, whole words and one continuation piece. */
export const VOCAB = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  'describe',
  'the',
  'ocean',
  'at',
  'night',
  'waves',
  'calm',
  'dark',
  'water',
  'forest',
  'wave',
  '##let',
  ',',
  '.',
];
export const id = (t: string): number => VOCAB.indexOf(t);
export const HIDDEN = 4;

/** A tokenizer.json as `tokenizers` saves a BERT tokenizer (WordPiece, lowercasing, [CLS] A [SEP] B [SEP]). */
export function tokenizerJson(): unknown {
  const special = (content: string) => ({
    id: id(content),
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const tok = (t: string, typeId: number) => ({ SpecialToken: { id: t, type_id: typeId } });
  const seq = (s: 'A' | 'B', typeId: number) => ({ Sequence: { id: s, type_id: typeId } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]'].map(special),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [tok('[CLS]', 0), seq('A', 0), tok('[SEP]', 0)],
      pair: [tok('[CLS]', 0), seq('A', 0), tok('[SEP]', 0), seq('B', 1), tok('[SEP]', 1)],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [id('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [id('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(VOCAB.map((t, i) => [t, i])),
    },
  };
}

/** Weights of the tiny classifier: token and token-type embeddings, then a linear head. */
export interface TinyWeights {
  emb: Float32Array;
  types: Float32Array;
  w: Float32Array;
  b: Float32Array;
}

export function tinyWeights(seed: number): TinyWeights {
  const rng = new Rng(seed);
  const r = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
  return { emb: r(VOCAB.length * HIDDEN), types: r(2 * HIDDEN), w: r(HIDDEN), b: r(1) };
}

/**
 * A classifier shaped like a Hugging Face export: input_ids and attention_mask int64 [batch,
 * sequence] (and token_type_ids with `tokenTypes`) → logits float [batch, 1], computed as a linear
 * head over the attention-masked mean of the token embeddings. `rename` and `floatIds` break the
 * input contract on purpose.
 */
export function tinyClassifier(
  wts: TinyWeights,
  variant: {
    tokenTypes?: boolean;
    rename?: string;
    floatIds?: boolean;
    shape?: Array<number | string>;
  } = {},
): Uint8Array {
  const idsName = variant.rename ?? 'input_ids';
  const shape = variant.shape ?? ['batch', 'sequence'];
  const inputs: ValueSpec[] = [
    { name: idsName, type: variant.floatIds ? 'float' : 'int64', shape },
    { name: 'attention_mask', type: 'int64', shape },
  ];
  const nodes: NodeSpec[] = [];
  let ids = idsName;
  if (variant.floatIds) {
    nodes.push({
      op: 'Cast',
      inputs: [idsName],
      outputs: ['ids_int'],
      attributes: { to: 7 },
      intAttributes: ['to'],
    });
    ids = 'ids_int';
  }
  nodes.push({ op: 'Gather', inputs: ['emb', ids], outputs: ['tok'] });
  let hidden = 'tok';
  if (variant.tokenTypes) {
    inputs.push({ name: 'token_type_ids', type: 'int64', shape: ['batch', 'sequence'] });
    nodes.push({ op: 'Gather', inputs: ['types', 'token_type_ids'], outputs: ['typ'] });
    nodes.push({ op: 'Add', inputs: ['tok', 'typ'], outputs: ['hidden'] });
    hidden = 'hidden';
  }
  nodes.push(
    {
      op: 'Cast',
      inputs: ['attention_mask'],
      outputs: ['maskf'],
      attributes: { to: 1 },
      intAttributes: ['to'],
    },
    { op: 'Constant', inputs: [], outputs: ['axis2'], attributes: { value_ints: [2] } },
    { op: 'Constant', inputs: [], outputs: ['axis1'], attributes: { value_ints: [1] } },
    { op: 'Unsqueeze', inputs: ['maskf', 'axis2'], outputs: ['mask3'] },
    { op: 'Mul', inputs: [hidden, 'mask3'], outputs: ['masked'] },
    {
      op: 'ReduceSum',
      inputs: ['masked', 'axis1'],
      outputs: ['sum'],
      attributes: { keepdims: 0 },
      intAttributes: ['keepdims'],
    },
    {
      op: 'ReduceSum',
      inputs: ['maskf', 'axis1'],
      outputs: ['count'],
      attributes: { keepdims: 1 },
      intAttributes: ['keepdims'],
    },
    { op: 'Div', inputs: ['sum', 'count'], outputs: ['mean'] },
    { op: 'MatMul', inputs: ['mean', 'w'], outputs: ['proj'] },
    { op: 'Add', inputs: ['proj', 'b'], outputs: ['logits'] },
  );
  return buildOnnxModel({
    name: 'tiny_sequence_classifier',
    inputs,
    outputs: [{ name: 'logits', type: 'float', shape: ['batch', 1] }],
    nodes,
    weights: [
      { name: 'emb', dims: [VOCAB.length, HIDDEN], data: wts.emb },
      ...(variant.tokenTypes ? [{ name: 'types', dims: [2, HIDDEN], data: wts.types }] : []),
      { name: 'w', dims: [HIDDEN, 1], data: wts.w },
      { name: 'b', dims: [1], data: wts.b },
    ],
  });
}
