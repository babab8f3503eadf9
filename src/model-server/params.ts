/**
 * Reading request parameters the way the OpenAI API validates them: wrong types and ranges are
 * 400s. Also the local model server's per-request size limits, so a request that asks for more
 * work than the server will do gets a 400 naming the field and the limit before any work starts.
 */
import { ApiError, invalidParam, missingParam } from './api-error';
import { MAX_TOP_LOGPROBS } from './generation';

/** A parsed JSON request body. */
export type Body = Record<string, unknown>;

/** An optional number in [min, max]; null and absent are undefined. */
export function optNumber(body: Body, name: string, min: number, max: number): number | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw invalidParam(name, `Invalid type for '${name}': expected a number, but got ${describe(v)}.`);
  if (v < min || v > max)
    throw invalidParam(name, `Invalid '${name}': ${v} is outside the allowed range [${min}, ${max}].`);
  return v;
}

/** An optional integer in [min, max]; null and absent are undefined. */
export function optInt(body: Body, name: string, min: number, max: number): number | undefined {
  const v = optNumber(body, name, -Infinity, Infinity);
  if (v === undefined) return undefined;
  if (!Number.isInteger(v))
    throw invalidParam(name, `Invalid type for '${name}': expected an integer, but got ${v}.`);
  if (v < min || v > max)
    throw invalidParam(name, `Invalid '${name}': ${v} is outside the allowed range [${min}, ${max}].`);
  return v;
}

/** An optional boolean; null and absent are undefined. */
export function optBool(body: Body, name: string): boolean | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean')
    throw invalidParam(name, `Invalid type for '${name}': expected a boolean, but got ${describe(v)}.`);
  return v;
}

/** Longest model name accepted; names are echoed in errors, so a huge one is refused first. */
const MAX_MODEL_NAME = 256;

/** The required `model` string. */
export function modelParam(body: Body): string {
  const v = body.model;
  if (v === undefined || v === null) throw missingParam('model');
  if (typeof v !== 'string' || v === '')
    throw invalidParam('model', `Invalid type for 'model': expected a string, but got ${describe(v)}.`);
  if (v.length > MAX_MODEL_NAME)
    throw invalidParam('model', `Invalid 'model': model names are at most ${MAX_MODEL_NAME} characters.`);
  return v;
}

/** `stop`: a string or up to 4 non-empty strings. */
export function stopParam(body: Body): string[] {
  const v = body.stop;
  if (v === undefined || v === null) return [];
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string'))
    throw invalidParam('stop', `Invalid type for 'stop': expected a string or an array of strings.`);
  if (list.length > 4) throw invalidParam('stop', `Invalid 'stop': at most 4 stop sequences are allowed.`);
  return (list as string[]).filter((s) => s !== '');
}

/** A short description of a JSON value's type for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v} (${JSON.stringify(v)})`;
}

/** Per-request limits of the local model server (see docs/local-model-server.md, "Limits"). */
export interface RequestLimits {
  /** Most prompts in one legacy `prompt` array. */
  maxPrompts: number;
  /** Most choices per prompt (`n`; OpenAI's own cap is 128). */
  maxN: number;
  /** Largest `max_tokens` / `max_completion_tokens`. */
  maxTokens: number;
  /** Most alternatives per position (legacy `logprobs`, chat `top_logprobs`); at most 20. */
  maxLogprobs: number;
  /** Most characters of input text per request: prompts, message contents or embedding inputs together. */
  maxInputChars: number;
  /** Most `input` strings per embeddings request (OpenAI's own cap is 2048). */
  maxEmbeddingInputs: number;
  /**
   * Most work units per request: prompts × n × tokens per choice × (1 + logprobs) for completions
   * (each returned token and alternative is one), inputs × dimensions for embeddings.
   */
  maxWorkUnits: number;
}

/** Defaults of `RequestLimits`: OpenAI's own caps where it has them; the work budget is a few seconds of compute. */
export const DEFAULT_REQUEST_LIMITS: RequestLimits = {
  maxPrompts: 1024,
  maxN: 128,
  maxTokens: 4096,
  maxLogprobs: MAX_TOP_LOGPROBS,
  maxInputChars: 1 << 20,
  maxEmbeddingInputs: 2048,
  maxWorkUnits: 1 << 19,
};

/** The defaults overridden by `given`; throws naming a limit that is not a whole number in range. */
export function requestLimits(given: Partial<RequestLimits> = {}): RequestLimits {
  const limits = { ...DEFAULT_REQUEST_LIMITS, ...given };
  for (const [name, v] of Object.entries(limits)) {
    const min = name === 'maxLogprobs' ? 0 : 1;
    if (!Number.isSafeInteger(v) || v < min)
      throw new Error(`${name} must be a whole number ≥ ${min}, got ${v}`);
  }
  if (limits.maxLogprobs > MAX_TOP_LOGPROBS)
    throw new Error(`maxLogprobs must be at most ${MAX_TOP_LOGPROBS}, got ${limits.maxLogprobs}`);
  return limits;
}

/** 400 unless the texts together have at most `maxInputChars` characters. */
export function checkInputChars(texts: readonly string[], param: string, limits: RequestLimits): void {
  const chars = texts.reduce((s, t) => s + t.length, 0);
  if (chars > limits.maxInputChars)
    throw overLimit(
      param,
      `Invalid '${param}': the request's input text has ${chars} characters; this server takes at most ${limits.maxInputChars} per request (maxInputChars).`,
    );
}

/** 400 unless `units` (computed as `formula` says) is within `maxWorkUnits`. */
export function checkWorkUnits(units: number, formula: string, param: string, limits: RequestLimits): void {
  if (units > limits.maxWorkUnits)
    throw overLimit(
      param,
      `This request asks for ${units} work units (${formula}); this server does at most ${limits.maxWorkUnits} per request (maxWorkUnits). Ask for fewer, or split the request.`,
    );
}

/** 400 for a request over one of the server's limits. */
export function overLimit(param: string, message: string): ApiError {
  return new ApiError(400, message, 'invalid_request_error', param, 'request_too_large');
}
