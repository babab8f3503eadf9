/**
 * The endpoint config schema on its own, free of the openai SDK, so run configs (validated in
 * workflow code too) can include endpoints.
 */
import { z } from 'zod';

/** Largest `extraBody`, as JSON text. */
const MAX_EXTRA_BODY_CHARS = 16_384;

/** Price of an endpoint's tokens, in currency units per million tokens. */
export const priceSchema = z.strictObject({
  /** Cost of one million prompt (input) tokens. */
  inputPerMTok: z.number().nonnegative().max(1e6),
  /** Cost of one million completion (output) tokens. */
  outputPerMTok: z.number().nonnegative().max(1e6),
});

/** The validated endpoint configuration; see `EndpointConfig` for the fields. */
export const endpointConfigSchema = z.strictObject({
  // --- where
  /** API root, e.g. https://api.openai.com/v1 or http://localhost:8000/v1. */
  baseURL: z.url({
    protocol: /^https?$/,
    error: 'baseURL must be an http(s) URL such as http://localhost:8000/v1',
  }),
  /** Model name as the endpoint knows it. */
  model: z.string().min(1).max(256),
  /** NAME of the environment variable holding the API key (never the key). Omit for keyless local servers. */
  apiKeyEnv: z
    .string()
    .regex(
      /^[A-Za-z_][A-Za-z0-9_]*$/,
      'apiKeyEnv is the NAME of an environment variable, e.g. OPENAI_API_KEY',
    )
    .optional(),
  /** 'chat' (/chat/completions, default) or 'completions' (/completions, raw text prompts). */
  style: z.enum(['chat', 'completions']).default('chat'),

  // --- sampling
  /** Most completions one request asks for (default: all samples of a prompt in one request). */
  n: z.int().positive().max(128).optional(),
  /** Send one request per sample instead of using `n` (for endpoints that ignore n). */
  parallelSamples: z.boolean().optional(),
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().gt(0).max(1).optional(),
  /** Sent as max_tokens; for models that want max_completion_tokens, put that in extraBody. */
  maxTokens: z.int().positive().max(1_000_000).optional(),
  /** Base sampling seed; callers derive per-request seeds from it. */
  seed: z
    .int()
    .min(-(2 ** 53) + 1)
    .max(2 ** 53 - 1)
    .optional(),
  stop: z.array(z.string().max(256)).max(4).optional(),
  /** Ask for token logprobs (default true); set false for endpoints that reject the parameter. */
  requestLogprobs: z.boolean().optional(),
  /** Extra request-body fields passed through verbatim (e.g. vLLM's top_k, reasoning_effort). */
  extraBody: z
    .record(z.string().max(256), z.unknown())
    .refine((body) => JSON.stringify(body).length <= MAX_EXTRA_BODY_CHARS, {
      message: `at most ${MAX_EXTRA_BODY_CHARS} characters of JSON`,
    })
    .optional(),

  // --- limits
  /** Per-request timeout in milliseconds (default 60000). */
  timeoutMs: z.int().positive().max(3_600_000).default(60_000),
  /** Most requests in flight at once from this process (default 8). */
  maxConcurrency: z.int().positive().max(1024).default(8),
  /** Request budget per minute shared by every caller in this process. */
  requestsPerMinute: z.number().positive().max(1_000_000).optional(),
  /** Token budget (prompt + completion, estimated) per minute shared by every caller. */
  tokensPerMinute: z.number().positive().max(1e10).optional(),

  // --- cost
  price: priceSchema.optional(),
});

/** A validated endpoint configuration (defaults applied). */
