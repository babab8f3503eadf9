/** Errors of the local model server, in the shape and with the status codes the OpenAI API uses. */

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
