/**
 * Endpoint failures, classified once. Every error a model endpoint can cause is mapped here to one
 * of a few classes, so that the governor, the judges and the activities decide "retry or fail" by
 * one rule: 429, 5xx, timeouts, dropped connections and malformed bodies are worth retrying;
 * 400/401/403/404 are not (the same request fails the same way), and carry a message saying what
 * to fix. Check classes with `isEndpointError` / `err.name`, never `instanceof`: errors cross the
 * workflow sandbox and bundles, where class identity is lost.
 */
import { redactSecrets } from '../util/redact';

/** What an error message names about an endpoint. Never the key itself, only its variable's name. */
export interface EndpointIdentity {
  baseURL: string;
  model: string;
  /** Name of the environment variable holding the API key, if the config sets one. */
  apiKeyEnv?: string;
}

/** Root of the endpoint errors; `retryable` says whether the same request may succeed later. */
export abstract class EndpointError extends Error {
  /** Marker checked instead of `instanceof`. */
  readonly isEndpointError = true;
  abstract readonly retryable: boolean;

  constructor(
    message: string,
    /** `baseURL (model)` of the endpoint that failed. */
    readonly endpoint: string,
    /** HTTP status, when the server answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** HTTP 429: the endpoint asks us to slow down. Retryable after `retryAfterMs` when it says so. */
export class RateLimitedError extends EndpointError {
  override readonly name = 'RateLimitedError';
  readonly retryable = true;
  constructor(
    message: string,
    endpoint: string,
    /** From `retry-after-ms` or `Retry-After` (seconds or HTTP date); undefined when absent. */
    readonly retryAfterMs: number | undefined,
  ) {
    super(message, endpoint, 429);
  }
}

/** 5xx, timeouts, refused or reset connections, malformed bodies: may succeed on retry. */
export class TransientEndpointError extends EndpointError {
  override readonly name = 'TransientEndpointError';
  readonly retryable = true;
  constructor(
    message: string,
    endpoint: string,
    status?: number,
    /**
     * The endpoint could not be reached or gave no answer in time (refused or reset connection,
     * timeout, 502/503/504 from a gateway in front of it): it looks down, as opposed to having
     * answered this one request badly.
     */
    readonly unreachable = false,
  ) {
    super(message, endpoint, status);
  }
}

/**
 * A request the endpoint will never accept as configured (400/401/403/404 and other 4xx). Named
 * `EndpointConfigError` so that activities can fail it as a non-retryable ApplicationFailure of
 * that type, like a ConfigError; the message says what to fix.
 */
export class PermanentEndpointError extends EndpointError {
  override readonly name = 'EndpointConfigError';
  readonly retryable = false;
}

/** The caller cancelled (AbortSignal). Not retried and not an endpoint fault. */
export class RequestAbortedError extends EndpointError {
  override readonly name = 'AbortError';
  readonly retryable = false;
}

/** `baseURL (model)`, as error messages name an endpoint. */
export function describeEndpoint(ep: EndpointIdentity): string {
  return `${ep.baseURL} (model ${ep.model})`;
}

/** Whether `err` is one of the classified endpoint errors (by marker, not instanceof). */
export function isEndpointError(err: unknown): err is EndpointError {
  return (
    typeof err === 'object' && err !== null && (err as { isEndpointError?: unknown }).isEndpointError === true
  );
}

/** Whether a retry may help: classified errors by their flag, anything else after classification. */
export function isRetryable(err: unknown): boolean {
  if (isEndpointError(err)) return err.retryable;
  return classifyError(err, { baseURL: 'unknown', model: 'unknown' }).retryable;
}

/** Milliseconds to wait from `retry-after-ms`, else `Retry-After` (delta seconds or an HTTP date). */
export function parseRetryAfter(headers: unknown, now: number = Date.now()): number | undefined {
  const get = (name: string): string | null | undefined => {
    if (!headers || typeof headers !== 'object') return undefined;
    const h = headers as { get?: (n: string) => string | null } & Record<string, unknown>;
    if (typeof h.get === 'function') return h.get(name);
    const v = h[name] ?? h[name.toLowerCase()];
    return typeof v === 'string' ? v : undefined;
  };
  const ms = get('retry-after-ms');
  if (ms != null && ms.trim() !== '') {
    const v = Number(ms);
    if (Number.isFinite(v) && v >= 0) return v;
  }
  const ra = get('retry-after');
  if (ra == null || ra.trim() === '') return undefined;
  const secs = Number(ra);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const date = Date.parse(ra);
  if (Number.isFinite(date)) return Math.max(0, date - now);
  return undefined;
}

const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** The error codes found on `err` and its `cause` chain (Node and undici put them on the cause). */
function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    e = (e as { cause?: unknown }).cause;
  }
  return codes;
}

/**
 * Removes anything that looks like a secret from a server message: the configured key's value
 * when it appears verbatim, and `sk-…`-style tokens (some servers echo a masked key on 401).
 */
function redact(text: string, ep: EndpointIdentity): string {
  let out = redactSecrets(text);
  const key = ep.apiKeyEnv ? process.env[ep.apiKeyEnv] : undefined;
  if (key && key.length >= 4) out = out.split(key).join('[redacted]');
  return out.replace(/\b(sk|key|tok)-[A-Za-z0-9_*\-.]{4,}/g, '$1-[redacted]');
}

/** The server's own error message, if the SDK parsed one. */
function serverMessage(err: unknown): string {
  const e = err as { error?: unknown; message?: unknown };
  if (e.error && typeof e.error === 'object') {
    const m = (e.error as { message?: unknown }).message;
    if (typeof m === 'string' && m) return m;
  }
  return typeof e.message === 'string' ? e.message : String(err);
}

function isAbort(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const name = (err as { name?: unknown }).name;
  const ctor = (err as { constructor?: { name?: unknown } }).constructor?.name;
  return name === 'AbortError' || ctor === 'APIUserAbortError';
}

/**
 * Maps any failure of a request to `ep` onto an EndpointError. Already classified errors are
 * returned as they are. Unknown failures without a status are treated as transient: a retry
 * costs little and the attempt budget bounds it.
 */
export function classifyError(err: unknown, ep: EndpointIdentity): EndpointError {
  if (isEndpointError(err)) return err;
  const where = describeEndpoint(ep);
  if (isAbort(err)) return new RequestAbortedError(`request to ${where} was cancelled`, where);

  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status === 'number') {
    const msg = redact(serverMessage(err), ep);
    const headers = (err as { headers?: unknown }).headers;
    if (status === 429) {
      const retryAfterMs = parseRetryAfter(headers);
      return new RateLimitedError(
        `${where} is rate limiting requests (HTTP 429${retryAfterMs !== undefined ? `, retry after ${Math.round(retryAfterMs)} ms` : ''}): ${msg}`,
        where,
        retryAfterMs,
      );
    }
    if (status >= 500 || status === 408 || status === 409) {
      return new TransientEndpointError(
        `${where} failed with HTTP ${status}: ${msg}`,
        where,
        status,
        status === 502 || status === 503 || status === 504,
      );
    }
    if (status === 401 || status === 403) {
      const fix = ep.apiKeyEnv
        ? `check that the environment variable ${ep.apiKeyEnv} on this worker holds a valid key for this endpoint`
        : 'the config names no key variable: set apiKeyEnv to the NAME of the environment variable holding the key';
      return new PermanentEndpointError(
        `${where} refused the request (HTTP ${status}, ${status === 401 ? 'not authenticated' : 'not permitted'}): ${fix}. Server said: ${msg}`,
        where,
        status,
      );
    }
    if (status === 404) {
      return new PermanentEndpointError(
        `${where} answered HTTP 404: check the model name "${ep.model}" and that baseURL points at the API root (usually ending in /v1). Server said: ${msg}`,
        where,
        status,
      );
    }
    const hint = /logprob/i.test(msg)
      ? ' This model does not take logprobs: set requestLogprobs: false on the endpoint (judges then parse answers).'
      : '';
    return new PermanentEndpointError(
      `${where} rejected the request (HTTP ${status}); fix the endpoint options (e.g. unsupported parameters in extraBody, logprobs, n, maxTokens). Server said: ${msg}${hint}`,
      where,
      status,
    );
  }

  const e = err as { name?: unknown; message?: unknown; constructor?: { name?: unknown } } | null;
  const ctor = e?.constructor?.name;
  const text = typeof e?.message === 'string' ? e.message : String(err);
  if (ctor === 'APIConnectionTimeoutError' || /timed? ?out/i.test(text)) {
    return new TransientEndpointError(`request to ${where} timed out: ${text}`, where, undefined, true);
  }
  if (err instanceof SyntaxError || e?.name === 'SyntaxError') {
    return new TransientEndpointError(`${where} returned a malformed JSON body: ${text}`, where);
  }
  const codes = errorCodes(err);
  if (ctor === 'APIConnectionError' || codes.some((c) => CONNECTION_CODES.has(c))) {
    return new TransientEndpointError(
      `connection to ${where} failed${codes.length ? ` (${codes.join(', ')})` : ''}: ${text}`,
      where,
      undefined,
      true,
    );
  }
  return new TransientEndpointError(`request to ${where} failed: ${text}`, where);
}
