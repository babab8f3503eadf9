import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import {
  checkUserOnnxModelFile,
  HfTokenizer,
  MAX_TOKENIZER_BYTES,
  UserOnnxRewardModel,
  type TokenizedRow,
} from '../../src/reward/user-onnx-reward';
import {
  HIDDEN,
  tinyClassifier,
  tinyWeights,
  tokenizerJson,
  type TinyWeights,
  id,
  VOCAB,
} from '../helpers/tiny-hf-model';

/** The classifier in plain JS: the reference the onnxruntime scores must equal. */
function jsScore(wts: TinyWeights, row: TokenizedRow, tokenTypes: boolean): number {
  const mean = new Float64Array(HIDDEN);
  row.ids.forEach((t, j) => {
    for (let h = 0; h < HIDDEN; h++) {
      let v = wts.emb[t * HIDDEN + h] as number;
      if (tokenTypes) v += wts.types[(row.typeIds[j] as number) * HIDDEN + h] as number;
      mean[h] = (mean[h] as number) + v / row.ids.length;
    }
  });
  return mean.reduce((s, m, h) => s + m * (wts.w[h] as number), wts.b[0] as number);
}

const ROWS = [
  { prompt: 'Describe the ocean at night.', response: 'Calm, dark water.' },
  { prompt: 'describe the forest', response: 'waves' },
  {
    prompt: 'describe the ocean',
    response: 'wavelet waves calm calm dark water at night, the ocean . zebra',
  },
  { prompt: 'Describe the ocean at night', response: '' },
];

let dir: string;
let tokenizerPath: string;
const wts = tinyWeights(11);

function writeModel(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rlaif-user-rm-'));
  tokenizerPath = join(dir, 'tokenizer.json');
  writeFileSync(tokenizerPath, JSON.stringify(tokenizerJson()));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('UserOnnxRewardModel', () => {
  test('reads tokenizer.json: BERT pair encoding, lowercase, punctuation split, wordpiece, [UNK]', async () => {
    const rm = await UserOnnxRewardModel.create({
      modelPath: writeModel('m.onnx', tinyClassifier(wts)),
      tokenizerPath,
    });
    try {
      const t = rm.tokenize({ prompt: 'Describe the Ocean, at night.', response: 'Wavelet zebra' });
      expect(t.ids.map((i) => VOCAB[i])).toEqual([
        '[CLS]',
        'describe',
        'the',
        'ocean',
        ',',
        'at',
        'night',
        '.',
        '[SEP]',
        'wave',
        '##let',
        '[UNK]',
        '[SEP]',
      ]);
      expect(t.typeIds).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
      expect(rm.tokenizer.padId).toBe(id('[PAD]'));
    } finally {
      await rm.release();
    }
  });

  test.each([false, true])('scores equal a JS reimplementation (token_type_ids: %s)', async (tokenTypes) => {
    const modelPath = writeModel(`m-${tokenTypes}.onnx`, tinyClassifier(wts, { tokenTypes }));
    const rm = await UserOnnxRewardModel.create({ modelPath, tokenizerPath });
    try {
      const got = await rm.score(ROWS);
      expect(got).toHaveLength(ROWS.length);
      ROWS.forEach((r, i) => expect(got[i]).toBeCloseTo(jsScore(wts, rm.tokenize(r), tokenTypes), 5));
      expect(await rm.score([])).toHaveLength(0);
    } finally {
      await rm.release();
    }
  });

  test('padding does not change a row score: alone, in a batch with longer rows, in batches of one', async () => {
    const modelPath = writeModel('m-pad.onnx', tinyClassifier(wts, { tokenTypes: true }));
    const batched = await UserOnnxRewardModel.create({ modelPath, tokenizerPath, batchSize: 16 });
    const single = await UserOnnxRewardModel.create({ modelPath, tokenizerPath, batchSize: 1 });
    try {
      const lengths = ROWS.map((r) => batched.tokenize(r).ids.length);
      expect(Math.max(...lengths)).toBeGreaterThan(Math.min(...lengths) + 5);
      const all = await batched.score(ROWS);
      const one = await single.score(ROWS);
      for (let i = 0; i < ROWS.length; i++) {
        const alone = await batched.score([ROWS[i]!]);
        expect(all[i]).toBeCloseTo(alone[0]!, 5);
        expect(all[i]).toBeCloseTo(one[i]!, 5);
      }
    } finally {
      await batched.release();
      await single.release();
    }
  });

  test('a model with fixed input shapes [2, 16] gets full batches of 2 rows padded to 16 tokens', async () => {
    const modelPath = writeModel('m-fixed.onnx', tinyClassifier(wts, { shape: [2, 16] }));
    const rm = await UserOnnxRewardModel.create({ modelPath, tokenizerPath, batchSize: 8 });
    try {
      const rows = ROWS.slice(0, 3);
      expect(rm.tokenize(rows[2]!).ids).toHaveLength(16);
      const got = await rm.score(rows);
      expect(got).toHaveLength(3);
      rows.forEach((r, i) => expect(got[i]).toBeCloseTo(jsScore(wts, rm.tokenize(r), false), 5));
    } finally {
      await rm.release();
    }
  });

  test('rows longer than maxLength are cut, keeping the closing [SEP]', async () => {
    const modelPath = writeModel('m-short.onnx', tinyClassifier(wts));
    const rm = await UserOnnxRewardModel.create({ modelPath, tokenizerPath, maxLength: 6 });
    try {
      const t = rm.tokenize(ROWS[2]!);
      expect(t.ids).toHaveLength(6);
      expect(VOCAB[t.ids[5]!]).toBe('[SEP]');
      const got = await rm.score([ROWS[2]!]);
      expect(got[0]).toBeCloseTo(jsScore(wts, t, false), 5);
    } finally {
      await rm.release();
    }
  });

  test('a model whose inputs differ from what we feed fails with a clear error naming the file', async () => {
    const renamed = writeModel('model-ids.onnx', tinyClassifier(wts, { rename: 'ids' }));
    await expect(UserOnnxRewardModel.create({ modelPath: renamed, tokenizerPath })).rejects.toThrow(
      /model-ids\.onnx: the model's inputs do not match.*input "input_ids" is missing.*input "ids" is not one we can feed.*Expected: input_ids int64 \[batch, sequence\], attention_mask int64.*Actual: ids int64 \[batch, sequence\], attention_mask int64 \[batch, sequence\]/,
    );
    const floats = writeModel('model-float.onnx', tinyClassifier(wts, { floatIds: true }));
    const err = await UserOnnxRewardModel.create({ modelPath: floats, tokenizerPath }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ name: 'UserRewardModelError', isUserRewardModelError: true, file: floats });
    expect((err as Error).message).toMatch(
      /model-float\.onnx: .*input "input_ids" is float32 of rank 2, expected int64 of rank 2.*Actual: input_ids float32 \[batch, sequence\]/,
    );
  });

  test('the model file alone is checked without onnxruntime, with the same errors as create', async () => {
    await expect(
      checkUserOnnxModelFile({ modelPath: writeModel('ok.onnx', tinyClassifier(wts)) }),
    ).resolves.toBe(undefined);
    const renamed = writeModel('check-ids.onnx', tinyClassifier(wts, { rename: 'ids' }));
    await expect(checkUserOnnxModelFile({ modelPath: renamed })).rejects.toMatchObject({
      name: 'UserRewardModelError',
      file: renamed,
      message: expect.stringMatching(
        /check-ids\.onnx: the model's inputs do not match.*input "input_ids" is missing/,
      ),
    });
    const text = writeModel('check-text.onnx', new TextEncoder().encode('{"not": "a model"}'));
    await expect(checkUserOnnxModelFile({ modelPath: text })).rejects.toThrow(
      /check-text\.onnx is not an ONNX model/,
    );
  });

  test('a file that is not ONNX, a missing file and a bad tokenizer give errors naming the file', async () => {
    const text = join(dir, 'not-onnx.onnx');
    writeFileSync(text, 'this is a tokenizer.json, not a model\n');
    await expect(UserOnnxRewardModel.create({ modelPath: text, tokenizerPath })).rejects.toThrow(
      /not-onnx\.onnx is not an ONNX model/,
    );
    await expect(
      UserOnnxRewardModel.create({ modelPath: join(dir, 'missing.onnx'), tokenizerPath }),
    ).rejects.toThrow(/cannot read the reward model file .*missing\.onnx/);
    const modelPath = writeModel('m-tok.onnx', tinyClassifier(wts));
    const badTok = join(dir, 'bad', 'tokenizer.json');
    await expect(UserOnnxRewardModel.create({ modelPath, tokenizerPath: badTok })).rejects.toThrow(
      /cannot read the tokenizer file .*bad\/tokenizer\.json/,
    );
  });

  test('a tokenizer that is not JSON, not a tokenizer or too big is named with its place, not its text', async () => {
    const sub = (name: string) => {
      const d = join(dir, name);
      mkdirSync(d);
      return join(d, 'tokenizer.json');
    };
    const notJson = sub('tok-not-json');
    writeFileSync(notJson, '{\n  "version": "1.0",\n  "model": {"type": oops}\n}\n');
    await expect(HfTokenizer.load(notJson)).rejects.toMatchObject({
      name: 'UserRewardModelError',
      file: notJson,
      message: `${notJson}:3:21: not valid JSON: expected a value (the tokenizer file)`,
    });
    const unknownModel = sub('tok-unknown-model');
    writeFileSync(
      unknownModel,
      JSON.stringify({ ...(tokenizerJson() as object), model: { type: 'NoSuchModel' } }),
    );
    await expect(HfTokenizer.load(unknownModel)).rejects.toThrow(
      `${unknownModel} is not a tokenizer.json this tokenizer can read: its TokenizerModel is of a type this tokenizer does not support`,
    );
    const noModel = sub('tok-no-model');
    writeFileSync(noModel, JSON.stringify({ ...(tokenizerJson() as object), model: undefined }));
    await expect(HfTokenizer.load(noModel)).rejects.toThrow(
      `${noModel} is not a tokenizer.json this tokenizer can read: it has no "model" field`,
    );
    const huge = sub('tok-huge');
    writeFileSync(huge, '');
    truncateSync(huge, MAX_TOKENIZER_BYTES + 1024 * 1024);
    await expect(HfTokenizer.load(huge)).rejects.toThrow(
      `${huge}: the tokenizer file is 65 MiB, over the limit of 64 MiB`,
    );
  });
});
