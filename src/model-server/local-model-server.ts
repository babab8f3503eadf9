/**
 * The project's own model server speaking the OpenAI HTTP protocol on localhost, so the code paths
 * that use the `openai` SDK can be tested end to end against real models with no network: the
 * policy (`local-policy`), the judge behind an LLM-judge prompt protocol (`local-judge`) and a
 * hashed bag-of-words embedder (`local-embed`). Only Node's http module. Every request is bounded
 * before any work starts (size limits, a work budget, a few computing at once and a bounded queue)
 * and computes in short slices, so a careless or hostile client cannot starve others or hold up
 * closing the server. See docs/local-model-server.md.
 */
import { randomBytes } from 'crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'http';
import type { AddressInfo } from 'net';
import { createLocalJudge } from '../judges/create';
import { ApiError, asApiError, checkBearer, invalidParam, missingParam, modelNotFound } from './api-error';
import { readBody } from './read-body';
import { EMBED_DIM, embedText, embeddingToBase64, embedWords } from './embed';
import type { Generation, GeneratedToken } from './generation';
import { JudgeEngine } from './judge-engine';
import {
  checkInputChars,
  checkWorkUnits,
  describe,
  modelParam,
  optBool,
  optInt,
  optNumber,
  overLimit,
  requestLimits,
  stopParam,
  type Body,
  type RequestLimits,
} from './params';
import { readFileSync, statSync } from 'node:fs';
import { LocalArtifactStore } from '../store/local-store';
import { openArtifactStore } from '../store/open-store';
import { checkKey, type ArtifactStore } from '../store/store';
import { defaultPolicyOnnx, PolicyEngine, type SampleOptions } from './policy-engine';
import { inFlightLimits, InFlightLimiter, Pacer, type InFlightLimits } from './request-limiter';
import { chatChunks, completionChunks, SseReply } from './streaming';

/** The model ids the server lists and serves. */
export const LOCAL_MODELS = {
  policy: 'local-policy',
  judge: 'local-judge',
  embed: 'local-embed',
} as const;

/** Options of `startLocalModelServer`. */
export interface LocalModelServerOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** The policy checkpoint to serve; default the demo's initial policy (seed 7), trained once and cached. */
  policyOnnx?: Uint8Array;
  /** Options of the served judge; missing ones take the local judge's defaults. */
  judge?: { positionBias?: number; sharpness?: number };
  /** When set, every request must carry `Authorization: Bearer <apiKey>` (else 401). */
  apiKey?: string;
  /**
   * An artifact store to serve policies from: the model name `store:<key>` (a run's policy
   * checkpoint, as a run config's `"model": "{policy}"` sends it) is loaded from there, the way
   * vLLM serves adapters by name. Without it, only `local-policy` is served.
   */
  storeRoot?: string;
  /** Per-request limits and how many requests compute at once; missing ones take the defaults. */
  limits?: Partial<LocalModelLimits>;
}

/** Every limit of the server (docs/local-model-server.md, "Limits"). */
export type LocalModelLimits = RequestLimits & InFlightLimits;

/** The default limits overridden by `given`; throws naming a limit out of range. */
export function localModelLimits(given: Partial<LocalModelLimits> = {}): LocalModelLimits {
  const { maxConcurrent, maxQueued, ...sizes } = given;
  return {
    ...requestLimits(sizes),
    ...inFlightLimits({
      ...(maxConcurrent !== undefined ? { maxConcurrent } : {}),
      ...(maxQueued !== undefined ? { maxQueued } : {}),
    }),
  };
}

/** A running local model server. */
export interface LocalModelServer {
  /** The base URL for an OpenAI client, e.g. http://127.0.0.1:41234/v1. */
  url: string;
  port: number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
  /** Serves new policy weights from the next request on (like reloading a vLLM server). */
  setPolicy(onnx: Uint8Array): Promise<void>;
  /**
   * Serves `onnx` under a model name of its own from the next request on (like vLLM loading a
   * LoRA adapter by name); fine-tuning jobs register the models they make here.
   */
  registerPolicy(name: string, onnx: Uint8Array): void;
  /** The checkpoint served under a policy model name (`local-policy` or a registered one). */
  policyCheckpoint(name: string): Uint8Array | undefined;
}

/** Largest request body accepted. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** Largest store file read as a policy; a checkpoint of the demo vocabulary is about 70 KB. */
const MAX_POLICY_FILE_BYTES = 256 * 1024 * 1024;

type Kind = keyof typeof LOCAL_MODELS;
const LOCAL_MODELS_BY_ID: Record<string, Kind> = Object.fromEntries(
  Object.entries(LOCAL_MODELS).map(([k, id]) => [id, k as Kind]),
);

/** Starts the server; resolves once it listens. */
export async function startLocalModelServer(opts: LocalModelServerOptions = {}): Promise<LocalModelServer> {
  const limits = localModelLimits(opts.limits);
  const limiter = new InFlightLimiter({ maxConcurrent: limits.maxConcurrent, maxQueued: limits.maxQueued });
  let policyOnnx = opts.policyOnnx ?? (await defaultPolicyOnnx());
  let policy = PolicyEngine.fromOnnx(policyOnnx);
  /** Policies registered by name (fine-tuned models), with their checkpoints. */
  const registered = new Map<string, { engine: PolicyEngine; onnx: Uint8Array }>();
  const judge = new JudgeEngine(createLocalJudge(opts.judge ?? {}));
  const created = Math.floor(Date.now() / 1000);

  const store = opts.storeRoot ? openArtifactStore(opts.storeRoot) : undefined;
  const fromStore = new Map<string, PolicyEngine>();
  /** Loads a `store:` policy a request names before it is served (reads from the store are async). */
  const loadFromStore = async (model: unknown): Promise<void> => {
    if (typeof model !== 'string' || !model.startsWith('store:') || !store || fromStore.has(model)) return;
    const engine = await loadStorePolicy(store, model);
    if (fromStore.size >= 8) fromStore.delete(fromStore.keys().next().value as string);
    fromStore.set(model, engine);
  };
  /** The policy engine for a model name: the served one, or a checkpoint from the store. */
  const engineFor = (model: string): PolicyEngine => {
    const named = registered.get(model);
    if (named) return named.engine;
    if (!model.startsWith('store:')) return policy;
    const engine = store ? fromStore.get(model) : undefined;
    if (!engine) throw modelNotFound(model);
    return engine;
  };

  const kindOf = (model: string): Kind => {
    if (model.startsWith('store:') || registered.has(model)) {
      engineFor(model);
      return 'policy';
    }
    const kind = (Object.keys(LOCAL_MODELS) as Kind[]).find((k) => LOCAL_MODELS[k] === model);
    if (!kind) throw modelNotFound(model);
    return kind;
  };
  const modelObject = (id: string) => ({ id, object: 'model', created, owned_by: 'temporal-rlaif' });

  /** The request's text model; a policy request keeps the engine it started with, whatever is swapped in meanwhile. */
  const textModel = (body: Body, endpoint: string): TextModel => {
    const model = modelParam(body);
    const kind = kindOf(model);
    if (kind === 'embed') {
      throw new ApiError(
        404,
        `This is not a chat or completions model and thus not supported in the ${endpoint} endpoint.`,
        'invalid_request_error',
        'model',
        null,
      );
    }
    return kind === 'policy' ? { kind, engine: engineFor(model) } : { kind };
  };
  const promptTokens = (model: TextModel, text: string): number =>
    model.kind === 'policy' ? model.engine.promptTokens(text) : embedWords(text).length;
  const fingerprint = (model: TextModel): string =>
    model.kind === 'policy' ? model.engine.fingerprint : judge.fingerprint;

  /**
   * The n choices of each prompt in order, each put in its API shape as soon as it is drawn (so
   * that work is paced too). A policy request was checked against the work budget before this;
   * the judge's answers are short and computed once per prompt, so its work is counted from their
   * real lengths before they are copied n times.
   */
  const generateAll = async <C>(
    model: TextModel,
    prompts: string[],
    p: SampleOptions,
    pacer: Pacer,
    param: string,
    shape: (g: Generation, index: number) => C,
  ): Promise<Array<{ gen: Generation; choice: C }>> => {
    const out: Array<{ gen: Generation; choice: C }> = [];
    if (model.kind === 'judge') {
      const answers: Generation[] = [];
      for (const text of prompts) {
        answers.push(judge.answer(text, p.maxTokens));
        await pacer.step();
      }
      const longest = answers.reduce((m, a) => Math.max(m, a.tokens.length), 0);
      checkTextWork(prompts.length, p, longest, param, limits);
      // The judge decodes greedily: every choice is its argmax answer.
      for (const gen of answers) {
        for (let i = 0; i < p.n; i++) {
          out.push({ gen, choice: shape(gen, out.length) });
          await pacer.step();
        }
      }
      return out;
    }
    // The engine computes alternatives only when the answer reports them.
    const options = { ...p, topLogprobs: p.logprobs ? p.topLogprobs : 0 };
    for (const text of prompts) {
      for (const gen of model.engine.samples(text, options)) {
        out.push({ gen, choice: shape(gen, out.length) });
        await pacer.step();
      }
    }
    return out;
  };

  async function chatCompletions(body: Body, pacer: Pacer): Promise<unknown> {
    const model = textModel(body, 'v1/chat/completions');
    const messages = chatMessages(body);
    checkInputChars(
      messages.map((m) => m.text),
      'messages',
      limits,
    );
    const stream = streamParams(body);
    const p = sampleOptions(body, 'chat', limits);
    let text: string;
    if (model.kind === 'policy') {
      const lastUser = [...messages].reverse().find((m) => m.role === 'user');
      if (!lastUser) throw invalidParam('messages', `The model ${LOCAL_MODELS.policy} needs a user message.`);
      text = lastUser.text;
      checkTextWork(1, p, model.engine.lengthLimit(p.maxTokens), 'n', limits);
    } else {
      text = messages.map((m) => m.text).join('\n\n');
    }
    const drawn = await generateAll(model, [text], p, pacer, 'n', (g, index) => ({
      index,
      message: { role: 'assistant', content: g.text, refusal: null, annotations: [] },
      logprobs: p.logprobs
        ? { content: g.tokens.map((t) => chatLogprob(t, p.topLogprobs)), refusal: null }
        : null,
      finish_reason: g.finishReason,
    }));
    const gens = drawn.map((d) => d.gen);
    const promptCount =
      model.kind === 'policy'
        ? messages.reduce((s, m) => s + model.engine.promptTokens(m.text), 0)
        : promptTokens(model, text);
    const response = {
      id: `chatcmpl-${randomBytes(12).toString('hex')}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: LOCAL_MODELS[model.kind],
      choices: drawn.map((d) => d.choice),
      usage: usage(promptCount, gens),
      service_tier: 'default',
      system_fingerprint: fingerprint(model),
    };
    if (!stream.on) return response;
    const tokens = gens.map((g) => g.tokens.map((t) => t.token));
    return chatChunks(response, tokens, stream.includeUsage);
  }

  async function completions(body: Body, pacer: Pacer): Promise<unknown> {
    const model = textModel(body, 'v1/completions');
    const stream = streamParams(body);
    const prompts = textInputs(body, 'prompt', limits.maxPrompts);
    checkInputChars(prompts, 'prompt', limits);
    const p = sampleOptions(body, 'legacy', limits);
    if (model.kind === 'policy')
      checkTextWork(prompts.length, p, model.engine.lengthLimit(p.maxTokens), 'prompt', limits);
    // Choice `index` = prompt index · n + i, the order they are drawn in.
    const drawn = await generateAll(model, prompts, p, pacer, 'prompt', (g, index) => ({
      text: g.text,
      index,
      logprobs: p.logprobs ? legacyLogprobs(g, p.topLogprobs) : null,
      finish_reason: g.finishReason,
    }));
    const all = drawn.map((d) => d.gen);
    const choices = drawn.map((d) => d.choice);
    const promptCount = prompts.reduce((s, t) => s + promptTokens(model, t), 0);
    const response = {
      id: `cmpl-${randomBytes(12).toString('hex')}`,
      object: 'text_completion',
      created: Math.floor(Date.now() / 1000),
      model: LOCAL_MODELS[model.kind],
      choices,
      usage: usage(promptCount, all),
      system_fingerprint: fingerprint(model),
    };
    if (!stream.on) return response;
    const cut = choices.map((c, i) => ({ ...c, tokens: (all[i] as Generation).tokens.map((t) => t.token) }));
    return completionChunks(response, cut, stream.includeUsage);
  }

  async function embeddings(body: Body, pacer: Pacer): Promise<unknown> {
    const model = modelParam(body);
    if (kindOf(model) !== 'embed') {
      throw new ApiError(
        404,
        `The model \`${model}\` is not an embedding model and thus not supported in the v1/embeddings endpoint.`,
        'invalid_request_error',
        'model',
        null,
      );
    }
    const inputs = textInputs(body, 'input', limits.maxEmbeddingInputs);
    checkInputChars(inputs, 'input', limits);
    if (inputs.some((s) => s === ''))
      throw invalidParam('input', `'$.input' is invalid: empty strings cannot be embedded.`);
    const dim = optInt(body, 'dimensions', 1, 4096) ?? EMBED_DIM;
    const format = body.encoding_format ?? 'float';
    if (format !== 'float' && format !== 'base64')
      throw invalidParam(
        'encoding_format',
        `Invalid 'encoding_format': expected "float" or "base64", got ${describe(format)}.`,
      );
    checkWorkUnits(inputs.length * dim, `${inputs.length} inputs × ${dim} dimensions`, 'input', limits);
    const data: Array<{ object: 'embedding'; index: number; embedding: number[] | string }> = [];
    for (const [index, t] of inputs.entries()) {
      const v = embedText(t, dim);
      data.push({
        object: 'embedding',
        index,
        embedding: format === 'base64' ? embeddingToBase64(v) : Array.from(v),
      });
      await pacer.step();
    }
    const tokens = inputs.reduce((s, t) => s + embedWords(t).length, 0);
    return {
      object: 'list',
      data,
      model: LOCAL_MODELS.embed,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    };
  }

  /** The endpoints that compute: each request to one holds a slot of the limiter. */
  const handlers: Record<string, (b: Body, pacer: Pacer) => Promise<unknown>> = {
    '/v1/chat/completions': chatCompletions,
    '/v1/completions': completions,
    '/v1/embeddings': embeddings,
  };

  async function route(
    method: string,
    path: string,
    body: () => Body,
    signal: AbortSignal,
  ): Promise<unknown> {
    if (path === '/v1/models' || path === '/v1/models/') {
      if (method !== 'GET') throw methodNotAllowed(method, path);
      return {
        object: 'list',
        data: [...Object.values(LOCAL_MODELS), ...registered.keys()].map(modelObject),
      };
    }
    const one = /^\/v1\/models\/([^/]+)$/.exec(path);
    if (one) {
      if (method !== 'GET') throw methodNotAllowed(method, path);
      const id = decodePathPart(one[1] as string, method, path);
      await loadFromStore(id);
      kindOf(id);
      return modelObject(id);
    }
    const h = handlers[path];
    if (!h) throw new ApiError(404, `Invalid URL (${method} ${path})`, 'invalid_request_error', null, null);
    if (method !== 'POST') throw methodNotAllowed(method, path);
    const parsed = body();
    await loadFromStore(parsed.model);
    return h(parsed, new Pacer(signal));
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0] as string;
    // Aborts the request's work once its connection closes: the client went away or close() ended it.
    const abort = new AbortController();
    res.once('close', () => abort.abort());
    let release: (() => void) | undefined;
    try {
      let reply: { status: number; headers: Record<string, string>; payload: unknown };
      try {
        // The key is checked, and a computing request gets its slot, before the body is read, so
        // refused and waiting requests cost no buffering.
        if (path !== '/health') checkBearer(req.headers.authorization, opts.apiKey);
        if (method === 'POST' && Object.hasOwn(handlers, path)) release = await limiter.acquire(abort.signal);
        const raw = (await readBody(req, MAX_BODY_BYTES)).toString('utf8');
        const payload =
          path === '/health'
            ? { status: 'ok' }
            : await route(method, path, () => parseJson(raw), abort.signal);
        reply = { status: 200, headers: {}, payload };
      } catch (err) {
        const e = asApiError(err);
        reply = { status: e.status, headers: { ...e.headers }, payload: e.body() };
      }
      if (!res.destroyed) send(res, reply.status, reply.headers, reply.payload, started);
    } finally {
      release?.();
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host =
    opts.host === undefined || opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/v1`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
    setPolicy: async (onnx) => {
      policy = PolicyEngine.fromOnnx(onnx, 'setPolicy checkpoint');
      policyOnnx = onnx;
    },
    registerPolicy: (name, onnx) => {
      if (name in LOCAL_MODELS_BY_ID || name.startsWith('store:'))
        throw new Error(`registerPolicy: "${name}" is a reserved model name`);
      registered.set(name, { engine: PolicyEngine.fromOnnx(onnx, `policy "${name}"`), onnx });
    },
    policyCheckpoint: (name) => (name === LOCAL_MODELS.policy ? policyOnnx : registered.get(name)?.onnx),
  };
}

/** Writes a reply: JSON, or server-sent events for a stream. */
function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  payload: unknown,
  started: number,
): void {
  const ids = {
    'x-request-id': `req_${randomBytes(12).toString('hex')}`,
    'openai-processing-ms': String(Date.now() - started),
  };
  if (payload instanceof SseReply) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      ...ids,
    });
    for (const e of payload.events) res.write(`data: ${JSON.stringify(e)}\n\n`);
    res.end('data: [DONE]\n\n');
    return;
  }
  const text = JSON.stringify(payload);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...ids,
  });
  res.end(text);
}

/** Sampling parameters common to chat and legacy completions. */
/** The model of a text request: a policy with the engine it uses, or the judge. */
type TextModel = { kind: 'policy'; engine: PolicyEngine } | { kind: 'judge' };

/** 400 unless prompts × n × tokens per choice × (1 + logprobs) is within the work budget. */
function checkTextWork(
  prompts: number,
  p: SampleOptions,
  tokens: number,
  param: string,
  limits: RequestLimits,
): void {
  const k = p.logprobs ? p.topLogprobs : 0;
  checkWorkUnits(
    prompts * p.n * tokens * (1 + k),
    `prompts × n × tokens per choice × (1 + logprobs) = ${prompts} × ${p.n} × ${tokens} × ${1 + k}`,
    param,
    limits,
  );
}

function sampleOptions(body: Body, api: 'chat' | 'legacy', limits: RequestLimits): SampleOptions {
  const base = {
    n: optInt(body, 'n', 1, limits.maxN) ?? 1,
    temperature: optNumber(body, 'temperature', 0, 2) ?? 1,
    topP: optNumber(body, 'top_p', 0, 1) ?? 1,
    seed: optInt(body, 'seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    stop: stopParam(body),
  };
  if (api === 'legacy') {
    const k = optInt(body, 'logprobs', 0, limits.maxLogprobs);
    return {
      ...base,
      maxTokens: optInt(body, 'max_tokens', 1, limits.maxTokens),
      logprobs: k !== undefined,
      topLogprobs: k ?? 0,
    };
  }
  const maxTokens =
    optInt(body, 'max_completion_tokens', 1, limits.maxTokens) ??
    optInt(body, 'max_tokens', 1, limits.maxTokens);
  const logprobs = optBool(body, 'logprobs') ?? false;
  const topLogprobs = optInt(body, 'top_logprobs', 0, limits.maxLogprobs);
  if (topLogprobs !== undefined && !logprobs)
    throw invalidParam(
      'top_logprobs',
      "Invalid value for 'top_logprobs': 'logprobs' must be set to true when 'top_logprobs' is used.",
    );
  return { ...base, maxTokens, logprobs, topLogprobs: topLogprobs ?? 0 };
}

interface ChatMessage {
  role: string;
  text: string;
}

function chatMessages(body: Body): ChatMessage[] {
  const v = body.messages;
  if (v === undefined || v === null) throw missingParam('messages');
  if (!Array.isArray(v))
    throw invalidParam('messages', `Invalid type for 'messages': expected an array, but got ${describe(v)}.`);
  if (v.length === 0)
    throw invalidParam(
      'messages',
      "Invalid 'messages': empty array. Expected an array with minimum length 1.",
    );
  return v.map((m: unknown, i) => {
    if (typeof m !== 'object' || m === null || typeof (m as Body).role !== 'string')
      throw invalidParam(`messages[${i}]`, `Invalid 'messages[${i}]': expected an object with a 'role'.`);
    const content = (m as Body).content;
    let text: string;
    if (typeof content === 'string') text = content;
    else if (content === undefined || content === null) text = '';
    else if (Array.isArray(content)) {
      text = content
        .filter(
          (part): part is Body => typeof part === 'object' && part !== null && (part as Body).type === 'text',
        )
        .map((part) => String(part.text ?? ''))
        .join('\n');
    } else {
      throw invalidParam(
        `messages[${i}].content`,
        `Invalid type for 'messages[${i}].content': expected a string or an array of content parts.`,
      );
    }
    return { role: (m as Body).role as string, text };
  });
}

/** `prompt` / `input`: a string or a non-empty array of at most `max` strings (token arrays are not accepted). */
function textInputs(body: Body, name: string, max: number): string[] {
  const v = body[name];
  if (v === undefined || v === null) throw missingParam(name);
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.length === 0 || !list.every((s) => typeof s === 'string')) {
    throw invalidParam(
      name,
      `Invalid '${name}': expected a string or a non-empty array of strings (this server does not take token arrays).`,
    );
  }
  if (list.length > max)
    throw overLimit(
      name,
      `Invalid '${name}': ${list.length} strings is more than this server takes per request (${max}).`,
    );
  return list as string[];
}

function bytesOf(token: string): number[] {
  return Array.from(Buffer.from(token, 'utf8'));
}

function chatLogprob(t: GeneratedToken, k: number) {
  return {
    token: t.token,
    logprob: t.logprob,
    bytes: bytesOf(t.token),
    top_logprobs: t.top
      .slice(0, k)
      .map((a) => ({ token: a.token, logprob: a.logprob, bytes: bytesOf(a.token) })),
  };
}

function legacyLogprobs(g: Generation, k: number) {
  let offset = 0;
  const textOffset = g.tokens.map((t) => {
    const o = offset;
    offset += t.token === '<eos>' ? 0 : t.token.length;
    return o;
  });
  return {
    tokens: g.tokens.map((t) => t.token),
    token_logprobs: g.tokens.map((t) => t.logprob),
    top_logprobs: g.tokens.map((t) => Object.fromEntries(t.top.slice(0, k).map((a) => [a.token, a.logprob]))),
    text_offset: textOffset,
  };
}

function usage(promptTokens: number, gens: Generation[]) {
  const completion = gens.reduce((s, g) => s + g.tokens.length, 0);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completion,
    total_tokens: promptTokens + completion,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

/** `stream` and `stream_options.include_usage`. */
function streamParams(body: Body): { on: boolean; includeUsage: boolean } {
  const on = optBool(body, 'stream') ?? false;
  const so = body.stream_options;
  if (so !== undefined && so !== null && !on)
    throw invalidParam(
      'stream_options',
      "Invalid value for 'stream_options': only allowed when 'stream' is true.",
    );
  const includeUsage = typeof so === 'object' && so !== null && optBool(so as Body, 'include_usage') === true;
  return { on, includeUsage };
}

/**
 * A `store:<key>` policy: 400 for a key the store cannot hold and for bytes that are not a policy
 * checkpoint, 404 when there is nothing at the key. A committed artifact is read through the
 * store (verified, from S3 too); in a local store a file put there by hand is served as well.
 * Messages never quote the file, whatever it holds.
 */
async function loadStorePolicy(store: ArtifactStore, model: string): Promise<PolicyEngine> {
  const key = model.slice('store:'.length);
  try {
    checkKey(key);
  } catch {
    throw invalidParam(
      'model',
      `Invalid 'model': \`${model}\` does not name an artifact store key ('/'-separated parts of letters, digits, '.', '_' and '-').`,
    );
  }
  const notAPolicy = new ApiError(
    400,
    `The model \`${model}\` names a stored file that is not a policy model (an ONNX policy checkpoint), so it cannot be served.`,
    'invalid_request_error',
    'model',
    'invalid_model',
  );
  let bytes: Buffer;
  const ref = await store.get(key);
  if (ref) {
    if (ref.bytes > MAX_POLICY_FILE_BYTES) throw notAPolicy;
    try {
      bytes = await store.readBytes(ref);
    } catch {
      throw modelNotFound(model);
    }
  } else if (store instanceof LocalArtifactStore) {
    bytes = readPlainFile(store.pathOf(key), model, notAPolicy);
  } else {
    throw modelNotFound(model);
  }
  try {
    return PolicyEngine.fromOnnx(bytes, model);
  } catch {
    throw notAPolicy;
  }
}

/** A file of a local store that no manifest describes (put there by hand), bounded in size. */
function readPlainFile(file: string, model: string, notAPolicy: ApiError): Buffer {
  let size: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw modelNotFound(model);
    size = stat.size;
  } catch {
    throw modelNotFound(model);
  }
  if (size > MAX_POLICY_FILE_BYTES) throw notAPolicy;
  try {
    return readFileSync(file);
  } catch {
    throw modelNotFound(model);
  }
}

/** A percent-encoded path segment, decoded; 400 when its encoding is malformed. */
function decodePathPart(part: string, method: string, path: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ApiError(
      400,
      `Invalid URL (${method} ${path}): the model id is not valid percent-encoding.`,
      'invalid_request_error',
      null,
      'invalid_url',
    );
  }
}

function methodNotAllowed(method: string, path: string): ApiError {
  return new ApiError(
    405,
    `Method ${method} is not allowed on ${path}.`,
    'invalid_request_error',
    null,
    null,
  );
}

function parseJson(raw: string): Body {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (err) {
    throw new ApiError(
      400,
      `We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.) ${(err as Error).message}`,
      'invalid_request_error',
      null,
      null,
    );
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ApiError(
      400,
      `The request body must be a JSON object, got ${describe(v)}.`,
      'invalid_request_error',
      null,
      null,
    );
  return v as Body;
}
