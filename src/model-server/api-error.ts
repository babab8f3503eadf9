/** Errors of the project's OpenAI-protocol servers, in the shape and with the status codes the OpenAI API uses. */
import { createHash, timingSafeEqual } from 'node:crypto';

/** The body of every error response: `{ error: { message, type, param, code } }`, as OpenAI sends it. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** An error that becomes an OpenAI-shaped HTTP error response. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    message: string,
    readonly type: string = 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
    /** Extra response headers, e.g. `retry-after` on a 429. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  /** The JSON body OpenAI sends for this error. */
  body(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** 400 for a parameter that has the wrong type or value. */
export function invalidParam(param: string, message: string): ApiError {
  return new ApiError(400, message, 'invalid_request_error', param, 'invalid_value');
}

/** 400 for a required parameter that is absent. */
export function missingParam(param: string): ApiError {
  return new ApiError(400, `Missing required parameter: '${param}'.`, 'invalid_request_error', param, null);
}

/** 404 for a model id the server does not serve (OpenAI's `model_not_found`). */
export function modelNotFound(model: string): ApiError {
  return new ApiError(
    404,
    `The model \`${model}\` does not exist or you do not have access to it.`,
    'invalid_request_error',
    'model',
    'model_not_found',
  );
}

/** Any error thrown while handling a request, as the response to send: ApiErrors as they are, the rest as 500. */
export function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new ApiError(
    500,
    `The server had an error while processing your request: ${String(err)}`,
    'server_error',
  );
}

/** 429 for a request the server has no room for now; `retry-after` tells the SDK when to retry. */
export function tooManyRequests(message: string, retryAfterSeconds: number): ApiError {
  return new ApiError(429, message, 'requests', null, 'rate_limit_exceeded', {
    'retry-after': String(retryAfterSeconds),
    'retry-after-ms': String(retryAfterSeconds * 1000),
  });
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Checks `Authorization: Bearer <apiKey>` when the server has a key (no check otherwise): 401 with
 * OpenAI's messages for a missing header and for a wrong key (shown by its first two characters).
 * The keys are compared as sha256 digests in constant time, so response timing does not leak the key.
 */
export function checkBearer(authorization: string | undefined, apiKey: string | undefined): void {
  if (apiKey === undefined) return;
  if (authorization === undefined) {
    throw new ApiError(
      401,
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      'invalid_request_error',
      null,
      null,
    );
  }
  const m = /^Bearer\s+(.+)$/i.exec(authorization);
  if (!m || !timingSafeEqual(digest(m[1] as string), digest(apiKey))) {
    const shown = m ? `${(m[1] ?? '').slice(0, 2)}***` : 'none';
    throw new ApiError(
      401,
      `Incorrect API key provided: ${shown}.`,
      'invalid_request_error',
      null,
      'invalid_api_key',
    );
  }
}
