/**
 * A user-supplied reward model: an ONNX sequence classifier (e.g. a Hugging Face
 * `AutoModelForSequenceClassification` with one label, exported by `optimum-cli export onnx`)
 * plus its `tokenizer.json`. The reward of (prompt, response) is the model's single logit.
 *
 * The model's declared inputs and outputs are read from the file and checked before anything
 * runs, because a model exported with other names or types otherwise fails deep inside
 * onnxruntime with a message that names neither the file nor what we fed. Tokenization uses
 * `@huggingface/tokenizers` (pure JS, no dependencies, no network): it reads the same
 * tokenizer.json as the Python `tokenizers`, so ids match the ones the model was trained on.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { existsSync, promises as fs } from 'fs';
import { dirname, join } from 'path';
import { onnx } from 'onnx-proto';
import { formatBytes } from '../data/line-file';
import { openSession, type Feed, type OrtSession } from '../models/ort';
import { parseJson } from '../util/json-error';
import { embeddingText } from './embedding-features';

/** A user reward model could not be loaded or run; `file` names the model or tokenizer file at fault. */
export class UserRewardModelError extends Error {
  override readonly name = 'UserRewardModelError';
  /** Marker checked instead of `instanceof` (class identity is lost across bundles and sandboxes). */
  readonly isUserRewardModelError = true;

  constructor(
    message: string,
    /** The file at fault. */
    readonly file: string,
  ) {
    super(message);
  }
}

/** One declared graph input or output: name, element type as ORT names it, and shape. */
export interface TensorSignature {
  name: string;
  /** 'float32', 'int64', …; 'non-tensor' for sequences and maps. */
  type: string;
  /** A number for a fixed dimension, a string for a symbolic one ('?' when unnamed). */
  shape: Array<number | string>;
}

const ELEMENT_TYPES: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  16: 'bfloat16',
};

function signature(v: onnx.IValueInfoProto): TensorSignature {
  const t = v.type?.tensorType;
  if (!t) return { name: v.name ?? '', type: 'non-tensor', shape: [] };
  return {
    name: v.name ?? '',
    type: ELEMENT_TYPES[t.elemType ?? 0] ?? `onnx-type-${t.elemType ?? 0}`,
    shape: (t.shape?.dim ?? []).map((d) =>
      d.dimValue !== undefined && d.dimValue !== null && Number(d.dimValue) > 0
        ? Number(d.dimValue)
        : d.dimParam || '?',
    ),
  };
}

/** `name type [d0, d1]`, as error messages show a tensor. */
export function describeSignature(s: TensorSignature): string {
  return `${s.name} ${s.type} [${s.shape.join(', ')}]`;
}

/**
 * The declared inputs (initializers excluded: IR < 4 files list weights as inputs) and outputs of
 * ONNX bytes. Throws a UserRewardModelError naming `file` when the bytes are not an ONNX model or
 * keep their weights in external data files, which a model loaded from memory cannot reach.
 */
export function readOnnxSignature(
  bytes: Uint8Array,
  file: string,
): { inputs: TensorSignature[]; outputs: TensorSignature[] } {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch {
    // The decoder's message is not shown: its wording is protobufjs's to change, and a file named
    // by a config is not ours to quote.
    throw new UserRewardModelError(
      `${file} is not an ONNX model (it does not parse as an ONNX protobuf)`,
      file,
    );
  }
  const g = model.graph;
  if (!g || !model.irVersion || (g.output ?? []).length === 0) {
    throw new UserRewardModelError(
      `${file} is not an ONNX model (no graph with outputs and no IR version; is it the right file?)`,
      file,
    );
  }
  const external = (g.initializer ?? []).find(
    (i) => i.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL,
  );
  if (external) {
    throw new UserRewardModelError(
      `${file} keeps its weights in external data files (initializer "${external.name ?? ''}"), which are not supported; ` +
        `re-export the model as a single file (under 2 GB) or merge the data into it`,
      file,
    );
  }
  const weights = new Set((g.initializer ?? []).map((i) => i.name ?? ''));
  return {
    inputs: (g.input ?? []).filter((i) => !weights.has(i.name ?? '')).map(signature),
    outputs: (g.output ?? []).map(signature),
  };
}

/** What the scorer feeds: the token tensors of a Hugging Face sequence classifier. */
const REQUIRED_INPUTS = ['input_ids', 'attention_mask'] as const;
const OPTIONAL_INPUTS = ['token_type_ids'] as const;
const EXPECTED_INPUTS =
  'input_ids int64 [batch, sequence], attention_mask int64 [batch, sequence], token_type_ids int64 [batch, sequence] (optional)';

/** Checks declared inputs against what we feed; returns whether token_type_ids is fed. */
function checkModelInputs(inputs: TensorSignature[], file: string): { tokenTypes: boolean } {
  const problems: string[] = [];
  const known = new Set<string>([...REQUIRED_INPUTS, ...OPTIONAL_INPUTS]);
  for (const name of REQUIRED_INPUTS)
    if (!inputs.some((i) => i.name === name)) problems.push(`input "${name}" is missing`);
  for (const i of inputs) {
    if (!known.has(i.name)) problems.push(`input "${i.name}" is not one we can feed`);
    else if (i.type !== 'int64' || i.shape.length !== 2)
      problems.push(`input "${i.name}" is ${i.type} of rank ${i.shape.length}, expected int64 of rank 2`);
  }
  if (problems.length > 0) {
    throw new UserRewardModelError(
      `${file}: the model's inputs do not match what the reward model feeds (${problems.join('; ')}). ` +
        `Expected: ${EXPECTED_INPUTS}. Actual: ${inputs.map(describeSignature).join(', ') || 'none'}`,
      file,
    );
  }
  return { tokenTypes: inputs.some((i) => i.name === 'token_type_ids') };
}

/** Picks the reward output: `wanted`, else "logits", else the only output; it must be float32 [batch, 1] or [batch]. */
function checkModelOutput(outputs: TensorSignature[], file: string, wanted?: string): TensorSignature {
  const out =
    outputs.find((o) => o.name === (wanted ?? 'logits')) ??
    (wanted === undefined && outputs.length === 1 ? outputs[0] : undefined);
  const actual = outputs.map(describeSignature).join(', ');
  if (!out) {
    throw new UserRewardModelError(
      `${file}: the model has no output "${wanted ?? 'logits'}" (outputs: ${actual}); set outputName`,
      file,
    );
  }
  const last = out.shape[out.shape.length - 1];
  const shapeOk =
    out.shape.length === 1 || (out.shape.length === 2 && (last === 1 || typeof last === 'string'));
  if (out.type !== 'float32' || !shapeOk) {
    throw new UserRewardModelError(
      `${file}: output ${describeSignature(out)} is not a reward; expected float32 [batch, 1] (one label's logits) or [batch]`,
      file,
    );
  }
  return out;
}

/** Options of a user ONNX reward model. */
export interface UserOnnxRewardOptions {
  /** The model file (e.g. model.onnx of an `optimum` export). */
  modelPath: string;
  /** The tokenizer.json; a tokenizer_config.json beside it is read too when present. */
  tokenizerPath: string;
  /** Longest input in tokens, special tokens included (default 512; capped by a fixed sequence dimension). */
  maxLength?: number;
  /** Rows per onnxruntime run (default 16). */
  batchSize?: number;
  /**
   * How a row becomes model input: 'pair' (default) encodes (prompt, response) as a text pair, as
   * reward models trained on (question, answer) pairs expect; 'text' encodes one text,
   * `Prompt: …\nResponse: …`.
   */
  inputFormat?: 'pair' | 'text';
  /** The output to read (default "logits", or the model's only output). */
  outputName?: string;
}

/** One tokenized row. */
export interface TokenizedRow {
  ids: number[];
  typeIds: number[];
}

/**
 * Largest tokenizer.json or tokenizer_config.json read (64 MiB; the largest common ones are tens
 * of MiB). It is parsed in one piece, so the limit also bounds how long that blocks the worker.
 */
export const MAX_TOKENIZER_BYTES = 64 * 1024 * 1024;
/** Largest model file read (2 GiB, protobuf's limit; larger models keep their weights outside it). */
export const MAX_MODEL_BYTES = 2 * 1024 * 1024 * 1024;

/** A file's bytes, refused by its stat size when over `maxBytes` before any is read. */
async function readFileNamed(path: string, what: string, maxBytes: number): Promise<Buffer> {
  try {
    const { size } = await fs.stat(path);
    if (size > maxBytes) {
      throw new UserRewardModelError(
        `${path}: the ${what} is ${formatBytes(size)}, over the limit of ${formatBytes(maxBytes)}`,
        path,
      );
    }
    return await fs.readFile(path);
  } catch (err) {
    if ((err as Partial<UserRewardModelError>).isUserRewardModelError) throw err;
    throw new UserRewardModelError(`cannot read the ${what} ${path}: ${(err as Error).message}`, path);
  }
}

/** Reads a JSON object; errors name the place and what was expected, never the file's text. */
async function readJson(path: string, what: string): Promise<Record<string, unknown>> {
  const text = (await readFileNamed(path, what, MAX_TOKENIZER_BYTES)).toString('utf8');
  const parsed = parseJson(text, path);
  if (!parsed.ok) throw new UserRewardModelError(`${parsed.message} (the ${what})`, path);
  const v = parsed.value;
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    throw new UserRewardModelError(`${path} is not a valid ${what}: expected a JSON object`, path);
  }
  return v as Record<string, unknown>;
}

/**
 * What the tokenizer library found wrong, in its own words only when those are a fixed template:
 * its other messages can quote values from the file ("Unknown Normalizer type: <type>").
 */
function tokenizerProblem(err: unknown): string {
  const message = err instanceof Error ? err.message : '';
  const required = /^(Tokenizer|Config) must contain a "(\w+)" property$/.exec(message);
  if (required) return `${required[1] === 'Config' ? 'the config' : 'it'} has no "${required[2]}" field`;
  const kind = /^Unknown (\w+) type: /.exec(message);
  if (kind) return `its ${kind[1]} is of a type this tokenizer does not support`;
  return 'the tokenizer library rejected it';
}

/** A Hugging Face tokenizer.json, with the padding and truncation the scorer applies. */
export class HfTokenizer {
  private constructor(
    private readonly tokenizer: Tokenizer,
    /** Id written into padded positions (their attention mask is 0). */
    readonly padId: number,
    /** 'right' (default) or 'left', from tokenizer_config.json. */
    readonly paddingSide: 'left' | 'right',
  ) {}

  /** Loads tokenizer.json (and tokenizer_config.json beside it, when present). */
  static async load(tokenizerPath: string): Promise<HfTokenizer> {
    const json = await readJson(tokenizerPath, 'tokenizer file');
    const configPath = join(dirname(tokenizerPath), 'tokenizer_config.json');
    const config = existsSync(configPath) ? await readJson(configPath, 'tokenizer config') : {};
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(json, config);
    } catch (err) {
      throw new UserRewardModelError(
        `${tokenizerPath} is not a tokenizer.json this tokenizer can read: ${tokenizerProblem(err)}`,
        tokenizerPath,
      );
    }
    const padding = json.padding as { pad_id?: unknown } | null | undefined;
    const padToken = typeof config.pad_token === 'string' ? config.pad_token : undefined;
    const padId =
      (typeof padding?.pad_id === 'number' ? padding.pad_id : undefined) ??
      [padToken, '[PAD]', '<pad>']
        .map((t) => (t ? tokenizer.token_to_id(t) : undefined))
        .find((id) => id !== undefined) ??
      0;
    return new HfTokenizer(tokenizer, padId, config.padding_side === 'left' ? 'left' : 'right');
  }

  /**
   * Token ids (special tokens included) and token type ids of a text or text pair, cut to
   * `maxLength`: the first maxLength − 1 tokens and the last one (the closing special token), so
   * an over-long row loses the end of its response but keeps the model's end marker.
   */
  encode(text: string, pair: string | undefined, maxLength: number): TokenizedRow {
    const e = this.tokenizer.encode(text, {
      text_pair: pair ?? null,
      add_special_tokens: true,
      return_token_type_ids: true,
    });
    let ids = e.ids;
    let typeIds = e.token_type_ids ?? new Array<number>(ids.length).fill(0);
    if (ids.length > maxLength) {
      const keep = (a: number[]): number[] => [...a.slice(0, maxLength - 1), a[a.length - 1] as number];
      ids = keep(ids);
      typeIds = keep(typeIds);
    }
    return { ids, typeIds };
  }
}

/** Reads the model file and checks its declared inputs and output against what the scorer feeds and reads. */
async function inspectModelFile(options: Pick<UserOnnxRewardOptions, 'modelPath' | 'outputName'>) {
  const file = options.modelPath;
  const bytes = new Uint8Array(await readFileNamed(file, 'reward model file', MAX_MODEL_BYTES));
  const sig = readOnnxSignature(bytes, file);
  const { tokenTypes } = checkModelInputs(sig.inputs, file);
  const output = checkModelOutput(sig.outputs, file, options.outputName);
  return { bytes, sig, tokenTypes, output };
}

/**
 * Checks a user reward model file without starting onnxruntime: it parses as ONNX and its inputs
 * and output are ones the scorer can feed and read. The CLI and the run's first activity call it
 * (and `HfTokenizer.load` for the tokenizer) so a wrong file fails before any work starts.
 */
export async function checkUserOnnxModelFile(
  options: Pick<UserOnnxRewardOptions, 'modelPath' | 'outputName'>,
): Promise<void> {
  await inspectModelFile(options);
}

/** Default longest input, BERT's. */
export const DEFAULT_MAX_LENGTH = 512;
/** Default rows per onnxruntime run. */
export const DEFAULT_USER_RM_BATCH = 16;

/**
 * Batched token tensors for rows: padded to the longest row (or to `fixedLength`), attention mask 1
 * on tokens and 0 on padding.
 */
export function padBatch(
  rows: TokenizedRow[],
  padId: number,
  side: 'left' | 'right',
  fixedLength?: number,
): { inputIds: BigInt64Array; attentionMask: BigInt64Array; tokenTypeIds: BigInt64Array; length: number } {
  const length = fixedLength ?? Math.max(1, ...rows.map((r) => r.ids.length));
  const n = rows.length;
  const inputIds = new BigInt64Array(n * length).fill(BigInt(padId));
  const attentionMask = new BigInt64Array(n * length);
  const tokenTypeIds = new BigInt64Array(n * length);
  rows.forEach((r, i) => {
    const offset = i * length + (side === 'left' ? length - r.ids.length : 0);
    r.ids.forEach((id, j) => {
      inputIds[offset + j] = BigInt(id);
      attentionMask[offset + j] = 1n;
      tokenTypeIds[offset + j] = BigInt(r.typeIds[j] ?? 0);
    });
  });
  return { inputIds, attentionMask, tokenTypeIds, length };
}

/** A user's ONNX sequence classifier as a reward model: reward = the model's logit for (prompt, response). */
export class UserOnnxRewardModel {
  private constructor(
    private readonly session: OrtSession,
    readonly tokenizer: HfTokenizer,
    private readonly opts: {
      file: string;
      maxLength: number;
      batchSize: number;
      /** A fixed batch dimension: runs are padded to it with copies of the last row. */
      fixedBatch?: number;
      fixedLength?: number;
      tokenTypes: boolean;
      output: string;
      inputFormat: 'pair' | 'text';
    },
  ) {}

  /** Loads and checks the model and its tokenizer; errors name the file at fault. */
  static async create(options: UserOnnxRewardOptions): Promise<UserOnnxRewardModel> {
    const file = options.modelPath;
    const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
    const batchSize = options.batchSize ?? DEFAULT_USER_RM_BATCH;
    if (!(Number.isInteger(maxLength) && maxLength >= 2))
      throw new Error(`UserOnnxRewardModel: maxLength must be an integer ≥ 2, got ${maxLength}`);
    if (!(Number.isInteger(batchSize) && batchSize >= 1))
      throw new Error(`UserOnnxRewardModel: batchSize must be a positive integer, got ${batchSize}`);
    const { bytes, sig, tokenTypes, output } = await inspectModelFile(options);
    const tokenizer = await HfTokenizer.load(options.tokenizerPath);
    const ids = sig.inputs.find((i) => i.name === 'input_ids') as TensorSignature;
    const fixedBatch = typeof ids.shape[0] === 'number' ? ids.shape[0] : undefined;
    const fixedLength = typeof ids.shape[1] === 'number' ? ids.shape[1] : undefined;
    const session = await openSession(bytes, file);
    return new UserOnnxRewardModel(session, tokenizer, {
      file,
      maxLength: fixedLength === undefined ? maxLength : Math.min(maxLength, fixedLength),
      batchSize: fixedBatch ?? batchSize,
      fixedBatch,
      fixedLength,
      tokenTypes,
      output: output.name,
      inputFormat: options.inputFormat ?? 'pair',
    });
  }

  /** The tokens a row is fed as (before padding). */
  tokenize(row: { prompt: string; response: string }): TokenizedRow {
    return this.opts.inputFormat === 'pair'
      ? this.tokenizer.encode(row.prompt, row.response, this.opts.maxLength)
      : this.tokenizer.encode(embeddingText(row.prompt, row.response), undefined, this.opts.maxLength);
  }

  /** Rewards of the rows, in order, in runs of `batchSize` rows padded to their longest. */
  async score(rows: Array<{ prompt: string; response: string }>): Promise<Float32Array> {
    const out = new Float32Array(rows.length);
    for (let start = 0; start < rows.length; start += this.opts.batchSize) {
      const chunk = rows.slice(start, start + this.opts.batchSize).map((r) => this.tokenize(r));
      const real = chunk.length;
      while (this.opts.fixedBatch !== undefined && chunk.length < this.opts.fixedBatch)
        chunk.push(chunk[real - 1] as TokenizedRow);
      out.set((await this.run(chunk)).subarray(0, real), start);
    }
    return out;
  }

  /** Runs one padded batch and returns one reward per row. */
  private async run(chunk: TokenizedRow[]): Promise<Float32Array> {
    const t = this.tokenizer;
    const b = padBatch(chunk, t.padId, t.paddingSide, this.opts.fixedLength);
    const dims = [chunk.length, b.length];
    const feeds: Record<string, Feed> = {
      input_ids: { type: 'int64', data: b.inputIds, dims },
      attention_mask: { type: 'int64', data: b.attentionMask, dims },
    };
    if (this.opts.tokenTypes) feeds.token_type_ids = { type: 'int64', data: b.tokenTypeIds, dims };
    const res = await this.session.run(feeds);
    const o = res[this.opts.output];
    if (!o)
      throw new UserRewardModelError(
        `${this.opts.file} returned no "${this.opts.output}" output`,
        this.opts.file,
      );
    const perRow = o.dims.length === 1 ? 1 : (o.dims[1] ?? 0);
    if (o.type !== 'float32' || o.dims[0] !== chunk.length || perRow !== 1) {
      throw new UserRewardModelError(
        `${this.opts.file} returned "${this.opts.output}" as ${o.type} [${o.dims.join(', ')}], expected float32 [${chunk.length}, 1]`,
        this.opts.file,
      );
    }
    return Float32Array.from(o.data as ArrayLike<number>);
  }

  /** Frees the native session. */
  async release(): Promise<void> {
    await this.session.release();
  }
}
