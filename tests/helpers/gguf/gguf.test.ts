/**
 * The GGUF writer and reader of the real-server tests, and the tiny llama models they write: the
 * bytes follow the GGUF v3 layout llama.cpp documents, and a model carries the tokenizer and the
 * tensors a llama.cpp-based server looks for.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TensorType, ValueType, meta, type GgufFile, type MetaValue } from './format';
import { fromHalfBits, toHalfBits } from './half';
import { GgufFormatError, parseGguf, readGguf } from './reader';
import { buildTinyLlama, judgeSpec, writeTinyLlama } from './tiny-llama';
import { encodeGguf } from './writer';

describe('half precision', () => {
  it('converts exactly representable values both ways and rounds the rest to nearest even', () => {
    const cases: Array<[number, number]> = [
      [0, 0x0000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff],
      [2 ** -24, 0x0001], // smallest subnormal
      [1e6, 0x7c00], // overflow → infinity
      [1 + 2 ** -11, 0x3c00], // exactly half way between 1 and the next half: even wins
      [1 + 3 * 2 ** -11, 0x3c02],
    ];
    for (const [value, bits] of cases) expect([value, toHalfBits(value)]).toEqual([value, bits]);
    for (const bits of [0x0001, 0x03ff, 0x3c00, 0x3555, 0xc000, 0x7bff])
      expect(toHalfBits(fromHalfBits(bits))).toBe(bits);
    expect(toHalfBits(NaN) & 0x7c00).toBe(0x7c00);
    expect(fromHalfBits(0x7c00)).toBe(Infinity);
  });
});

describe('GGUF files', () => {
  const metadata = new Map<string, MetaValue>([
    ['general.architecture', meta.str('llama')],
    ['u8', { type: ValueType.UINT8, value: 200 }],
    ['i16', { type: ValueType.INT16, value: -3 }],
    ['f32', meta.f32(0.5)],
    ['f64', { type: ValueType.FLOAT64, value: Math.PI }],
    ['u64', { type: ValueType.UINT64, value: 2n ** 40n }],
    ['i64', { type: ValueType.INT64, value: -5n }],
    ['flag', meta.bool(true)],
    ['names', meta.strings(['a', 'Ġb', 'ünï'])],
    [
      'nested',
      {
        type: ValueType.ARRAY,
        itemType: ValueType.ARRAY,
        items: [{ type: ValueType.ARRAY, itemType: ValueType.INT32, items: [1, -2] }],
      },
    ],
  ]);
  const tensors = [
    { name: 'a', dims: [3], type: TensorType.F32, data: new Float32Array([1, -2.5, 3.25]) },
    { name: 'b', dims: [2, 3], type: TensorType.F16, data: new Float32Array([0.5, 1, 1.5, -2, 65504, 0]) },
    { name: 'c', dims: [1], type: TensorType.F32, data: new Float32Array([7]) },
  ];

  it('round-trips metadata of every type and F32/F16 tensors', () => {
    const back = parseGguf(encodeGguf(metadata, tensors));
    expect(back.version).toBe(3);
    expect([...back.metadata]).toEqual([...metadata]);
    expect(back.tensors.map((t) => [t.name, t.dims, t.type, [...t.data]])).toEqual(
      tensors.map((t) => [t.name, t.dims, t.type, [...t.data]]),
    );
  });

  it('lays out the header as GGUF v3 and aligns every tensor to 32 bytes', () => {
    const bytes = encodeGguf(metadata, tensors);
    expect(bytes.toString('latin1', 0, 4)).toBe('GGUF');
    expect(bytes.readUInt32LE(4)).toBe(3);
    expect(bytes.readBigUInt64LE(8)).toBe(3n); // tensors
    expect(bytes.readBigUInt64LE(16)).toBe(BigInt(metadata.size));
    // The data section ends padded to the alignment, as llama.cpp's loader expects.
    expect(bytes.length % 32).toBe(0);
    // Each tensor's offset (the last field of its description) is a multiple of 32.
    const nameB = Buffer.from('b');
    const at = bytes.indexOf(
      Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]), nameB, Buffer.from([2, 0, 0, 0])]),
    );
    const offsetB = Number(bytes.readBigUInt64LE(at + 8 + 1 + 4 + 16 + 4));
    expect(offsetB).toBe(32); // "a" takes 12 bytes, padded to 32
  });

  it('names the file and the place when it cannot read one', () => {
    const bytes = encodeGguf(metadata, tensors);
    expect(() => parseGguf(bytes.subarray(0, 40), 'x.gguf')).toThrow(GgufFormatError);
    expect(() => parseGguf(bytes.subarray(0, 40), 'x.gguf')).toThrow(
      /^x\.gguf: the file ends early.*at byte \d+/,
    );
    const bad = Buffer.from(bytes);
    bad.write('GGML', 0, 'latin1');
    expect(() => parseGguf(bad, 'y.gguf')).toThrow('y.gguf: not a GGUF file (bad magic) (at byte 4)');
    expect(() =>
      encodeGguf(new Map(), [{ name: 'z', dims: [2, 2], type: TensorType.F32, data: new Float32Array(3) }]),
    ).toThrow('GGUF tensor "z": 3 values for dims [2, 2]');
  });
});

/** A small stand-in for the GPT-2 vocabulary with the tokens the tiny models use. */
function fakeVocab(): GgufFile {
  const words = judgeSpec().words;
  const tokens = [
    '!',
    '=',
    'Ġ=',
    ...Array.from({ length: 10 }, (_, i) => String(i + 1)),
    ...Array.from({ length: 10 }, (_, i) => `Ġ${i + 1}`),
    ...words,
    'Ġhello',
    '<|endoftext|>',
  ];
  return {
    version: 3,
    metadata: new Map<string, MetaValue>([
      ['general.architecture', meta.str('gpt2')],
      ['tokenizer.ggml.model', meta.str('gpt2')],
      ['tokenizer.ggml.tokens', meta.strings(tokens)],
      ['tokenizer.ggml.merges', meta.strings(['Ġ h'])],
      ['tokenizer.ggml.eos_token_id', meta.u32(tokens.length - 1)],
      ['tokenizer.ggml.add_bos_token', meta.bool(true)],
    ]),
    tensors: [],
  };
}

describe('tiny llama models', () => {
  it('carry the tokenizer, the llama hyperparameters and the tensors a llama.cpp server loads', () => {
    const vocab = fakeVocab();
    const { metadata, tensors } = buildTinyLlama(
      { ...judgeSpec(), embedding: 16, heads: 2, feedForward: 8, layers: 2 },
      vocab,
    );
    const tokens = (vocab.metadata.get('tokenizer.ggml.tokens') as { items: string[] }).items;
    expect(metadata.get('general.architecture')).toEqual(meta.str('llama'));
    expect(metadata.get('tokenizer.ggml.tokens')).toBe(vocab.metadata.get('tokenizer.ggml.tokens'));
    expect(metadata.get('tokenizer.ggml.merges')).toBe(vocab.metadata.get('tokenizer.ggml.merges'));
    expect(metadata.get('tokenizer.ggml.add_bos_token')).toEqual(meta.bool(false));
    expect(metadata.get('llama.rope.dimension_count')).toEqual(meta.u32(8));
    const shapes = Object.fromEntries(tensors.map((t) => [t.name, t.dims]));
    expect(shapes).toMatchObject({
      'token_embd.weight': [16, tokens.length],
      'output.weight': [16, tokens.length],
      'output_norm.weight': [16],
      'blk.1.attn_q.weight': [16, 16],
      'blk.1.ffn_gate.weight': [16, 8],
      'blk.1.ffn_down.weight': [8, 16],
    });
    expect(tensors).toHaveLength(3 + 2 * 9);
    // The output matrix ranks the answer tokens as the spec says at the answer position ("=").
    const out = tensors.find((t) => t.name === 'output.weight')!.data;
    const row = (token: string) => out[tokens.indexOf(token) * 16]!; // axis 0: after "="
    expect(row('1')).toBeGreaterThan(row('2'));
    expect(row('2')).toBeGreaterThan(row('10'));
    expect(row('Ġhello')).toBe(0);
  });

  it('refuse a vocabulary without the tokens they need', () => {
    const vocab = fakeVocab();
    vocab.metadata.set('tokenizer.ggml.tokens', meta.strings(['a', 'b']));
    expect(() => buildTinyLlama(judgeSpec(), vocab)).toThrow(
      'answer position: the tokenizer has no token "="',
    );
  });

  it('write a file the reader reads back', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-gguf-'));
    try {
      const vocabFile = path.join(dir, 'vocab.gguf');
      fs.writeFileSync(vocabFile, encodeGguf(fakeVocab().metadata, []));
      const file = path.join(dir, 'judge.gguf');
      writeTinyLlama(file, { ...judgeSpec(), embedding: 8, heads: 2, feedForward: 4, layers: 1 }, vocabFile);
      const back = readGguf(file);
      expect(back.metadata.get('general.name')).toEqual(meta.str('tiny-judge'));
      const embd = back.tensors.find((t) => t.name === 'token_embd.weight')!;
      expect(embd.type).toBe(TensorType.F16);
      expect(embd.data[8 * 1]).toBe(1); // "=" sits on the answer axis
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
