/**
 * Embedding features for a reward model: each (prompt, response) is embedded by an
 * OpenAI-compatible /v1/embeddings endpoint, in batches, through the endpoint's governor. Every
 * embedding is kept in a content-addressed cache on disk, so a retried activity or a later round
 * pays for a text only once.
 */
import { createHash } from 'crypto';
import { promises as fs } from 'fs';
import { join } from 'path';
import type OpenAI from 'openai';
import { createClient, type EndpointConfig } from '../providers/endpoint';
import { governorFor, type EndpointGovernor } from '../providers/governor';
import { describeEndpoint, PermanentEndpointError, TransientEndpointError } from '../providers/http-errors';
import { estimateTokens } from '../providers/openai-call';

/**
 * Name of the text an embedding is computed from, stored in the reward model's metadata. The
 * prompt is part of the text because a response is only good or bad for a prompt; the labels
 * keep the two roles apart for the embedder.
 */
export const EMBEDDING_TEXT_FORMAT = 'prompt-response-v1';

/** The text embedded for a (prompt, response) pair: `Prompt: <prompt>\nResponse: <response>`. */
export function embeddingText(prompt: string, response: string): string {
  return `Prompt: ${prompt}\nResponse: ${response}`;
}

/** Inputs per /v1/embeddings request unless configured otherwise (OpenAI accepts up to 2048). */
export const DEFAULT_EMBEDDING_BATCH = 64;

/** The cache key of a text under a model: sha256 of model, a NUL separator, and the text. */
export function embeddingCacheKey(model: string, text: string): string {
  return createHash('sha256').update(model).update('\0').update(text).digest('hex');
}

/**
 * Embeddings on disk, one JSON line per text: `{"k": sha256, "v": base64 float32 LE}`. Append-only,
 * so concurrent readers see whole lines and a crash loses at most the last, partial line (skipped
 * on load). Loaded once, on first use.
 */
export class EmbeddingCache {
  private readonly entries = new Map<string, Float32Array>();
  private loaded: Promise<void> | undefined;
  private writing: Promise<void> = Promise.resolve();
  /** Whether the file ends in a partial line, so the next append must start a new one. */
  private fresh = false;
  /** The cache file. */
  readonly file: string;

  constructor(dir: string, file = 'embeddings.jsonl') {
    this.file = join(dir, file);
  }

  private load(): Promise<void> {
    this.loaded ??= (async () => {
      let text: string;
      try {
        text = await fs.readFile(this.file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      // After a crash mid-append, start the next line on a fresh one.
      this.fresh = text.length > 0 && !text.endsWith('\n');
      for (const line of text.split('\n')) {
        if (!line) continue;
        let entry: { k?: unknown; v?: unknown };
        try {
          entry = JSON.parse(line) as { k?: unknown; v?: unknown };
        } catch {
          continue;
        }
        if (typeof entry.k === 'string' && typeof entry.v === 'string')
          this.entries.set(entry.k, decodeBase64Floats(entry.v));
      }
    })();
    return this.loaded;
  }

  /** The cached embedding of a key, if any. */
  async get(key: string): Promise<Float32Array | undefined> {
    await this.load();
    return this.entries.get(key);
  }

  /** Stores embeddings (in memory and appended to the file). */
  async put(items: Array<{ key: string; vector: Float32Array }>): Promise<void> {
    await this.load();
    if (items.length === 0) return;
    const dir = join(this.file, '..');
    await fs.mkdir(dir, { recursive: true });
    const lines = items.map((i) => JSON.stringify({ k: i.key, v: encodeBase64Floats(i.vector) }) + '\n');
    // One append at a time, so that lines of concurrent batches never interleave.
    const write = this.writing.then(async () => {
      await fs.appendFile(this.file, (this.fresh ? '\n' : '') + lines.join(''));
      this.fresh = false;
    });
    this.writing = write.catch(() => undefined);
    await write;
    for (const i of items) this.entries.set(i.key, i.vector);
  }

  /** Number of cached embeddings (after loading). */
  async size(): Promise<number> {
    await this.load();
    return this.entries.size;
  }
}

function encodeBase64Floats(v: Float32Array): string {
  const copy = Float32Array.from(v);
  return Buffer.from(copy.buffer, copy.byteOffset, copy.byteLength).toString('base64');
}

function decodeBase64Floats(s: string): Float32Array {
  const buf = Buffer.from(s, 'base64');
  const out = new Float32Array(buf.byteLength >> 2);
  new Uint8Array(out.buffer).set(buf.subarray(0, out.byteLength));
  return out;
}

/** Options of an EmbeddingFeaturizer. */
export interface EmbeddingFeaturizerOptions {
  /** The embedding endpoint; `model` is the embedding model, the sampling fields are ignored. */
  endpoint: EndpointConfig;
  /** Folder of the on-disk cache; without it embeddings are cached in memory only. */
  cacheDir?: string;
  /** Inputs per request (default 64). */
  batchSize?: number;
  /** Sent as `dimensions` (models that can shorten their embeddings); omit for the model's own size. */
  dimensions?: number;
  /** Injected client and governor (tests); default the endpoint's client and process-wide governor. */
  client?: OpenAI;
  governor?: EndpointGovernor;
}

/** Counters of one featurizer since it was created. */
export interface EmbeddingStats {
  /** /v1/embeddings requests that succeeded. */
  requests: number;
  /** Texts embedded by the endpoint. */
  embedded: number;
  /** Texts served from the cache. */
  cacheHits: number;
}

/** Embeds (prompt, response) rows with an OpenAI-compatible endpoint, batched and cached. */
export class EmbeddingFeaturizer {
  private readonly client: OpenAI;
  private readonly governor: EndpointGovernor;
  private readonly cache: EmbeddingCache | undefined;
  private readonly memory = new Map<string, Float32Array>();
  private readonly batchSize: number;
  private readonly counters: EmbeddingStats = { requests: 0, embedded: 0, cacheHits: 0 };
  private dimension: number | undefined;
  /** The embedding model's name as the endpoint knows it. */
  readonly model: string;
  /** The model part of cache keys and of reward-model metadata: `model`, or `model@dimensions` when shortened. */
  readonly embeddingModel: string;
  /** The text format (see `embeddingText`). */
  readonly textFormat = EMBEDDING_TEXT_FORMAT;

  constructor(private readonly opts: EmbeddingFeaturizerOptions) {
    const size = opts.batchSize ?? DEFAULT_EMBEDDING_BATCH;
    if (!(Number.isInteger(size) && size >= 1))
      throw new Error(`EmbeddingFeaturizer: batchSize must be a positive integer, got ${size}`);
    this.batchSize = size;
    this.model = opts.endpoint.model;
    this.embeddingModel =
      opts.dimensions === undefined ? opts.endpoint.model : `${opts.endpoint.model}@${opts.dimensions}`;
    this.client = opts.client ?? createClient(opts.endpoint);
    this.governor = opts.governor ?? governorFor(opts.endpoint);
    this.cache = opts.cacheDir === undefined ? undefined : new EmbeddingCache(opts.cacheDir);
  }

  /** The embedding dimension, once an embedding has been seen. */
  get dim(): number | undefined {
    return this.dimension;
  }

  /** A copy of the counters. */
  stats(): EmbeddingStats {
    return { ...this.counters };
  }

  /** Rows as one row-major [N, D] block (the embedding reward model's ONNX input). */
  async embedRows(
    rows: Array<{ prompt: string; response: string }>,
    signal?: AbortSignal,
  ): Promise<{ data: Float32Array; dim: number }> {
    const vectors = await this.embedTexts(
      rows.map((r) => embeddingText(r.prompt, r.response)),
      signal,
    );
    const dim = this.dimension ?? 0;
    const data = new Float32Array(rows.length * dim);
    vectors.forEach((v, i) => data.set(v, i * dim));
    return { data, dim };
  }

  /** The embedding of each text, in order; only texts in neither cache are sent, each once. */
  async embedTexts(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const keys = texts.map((t) => embeddingCacheKey(this.embeddingModel, t));
    const missing = new Map<string, string>();
    for (let i = 0; i < texts.length; i++) {
      const key = keys[i] as string;
      if (this.memory.has(key) || missing.has(key)) continue;
      const hit = await this.cache?.get(key);
      if (hit) {
        this.accept(hit);
        this.memory.set(key, hit);
      } else missing.set(key, texts[i] as string);
    }
    this.counters.cacheHits += texts.length - missing.size;
    const todo = [...missing.entries()];
    const batches: Array<Array<[string, string]>> = [];
    for (let s = 0; s < todo.length; s += this.batchSize) batches.push(todo.slice(s, s + this.batchSize));
    await Promise.all(
      batches.map(async (batch) => {
        const vectors = await this.request(
          batch.map(([, t]) => t),
          signal,
        );
        const items = batch.map(([key], i) => ({ key, vector: vectors[i] as Float32Array }));
        // Persist before anything else can fail, so that a retry does not pay for this batch again.
        await this.cache?.put(items);
        for (const it of items) this.memory.set(it.key, it.vector);
      }),
    );
    return keys.map((k) => this.memory.get(k) as Float32Array);
  }

  /** Checks a vector's dimension against the ones seen before. */
  private accept(v: Float32Array): void {
    if (this.dimension === undefined) this.dimension = v.length;
    else if (v.length !== this.dimension)
      throw new PermanentEndpointError(
        `${describeEndpoint(this.opts.endpoint)} returned a ${v.length}-dimensional embedding after ${this.dimension}-dimensional ones (did the model behind the endpoint or the cache change?)`,
        describeEndpoint(this.opts.endpoint),
      );
  }

  private async request(inputs: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const cfg = this.opts.endpoint;
    const where = describeEndpoint(cfg);
    const malformed = (what: string): TransientEndpointError =>
      new TransientEndpointError(`${where} returned a malformed embeddings response: ${what}`, where);
    const estimate = inputs.reduce((s, t) => s + estimateTokens(t), 0);
    const vectors = await this.governor.run(
      estimate,
      async (ctx) => {
        // base64 halves the payload and carries the float32 values exactly.
        const res = (await this.client.embeddings.create(
          {
            model: cfg.model,
            input: inputs,
            encoding_format: 'base64',
            ...(this.opts.dimensions !== undefined ? { dimensions: this.opts.dimensions } : {}),
          },
          { signal: ctx.signal, timeout: cfg.timeoutMs },
        )) as unknown as { data?: unknown };
        if (!res || !Array.isArray(res.data)) throw malformed('no data array');
        if (res.data.length !== inputs.length)
          throw malformed(`${res.data.length} embeddings for ${inputs.length} inputs`);
        const out = new Array<Float32Array>(inputs.length);
        for (const [pos, item] of (res.data as Array<{ index?: unknown; embedding?: unknown }>).entries()) {
          const index = typeof item?.index === 'number' ? item.index : pos;
          const e = item?.embedding;
          let v: Float32Array;
          if (typeof e === 'string') v = decodeBase64Floats(e);
          else if (Array.isArray(e) && e.every((x) => typeof x === 'number')) v = Float32Array.from(e);
          else throw malformed(`embedding ${pos} is neither base64 nor a list of numbers`);
          if (v.length === 0 || !v.every(Number.isFinite))
            throw malformed(`embedding ${pos} is empty or not finite`);
          if (index < 0 || index >= inputs.length || out[index])
            throw malformed(`bad or repeated index ${index}`);
          out[index] = v;
        }
        return out;
      },
      signal,
    );
    for (const v of vectors) this.accept(v);
    this.counters.requests++;
    this.counters.embedded += inputs.length;
    return vectors;
  }
}
