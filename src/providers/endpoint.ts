/**
 * An OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp server, the local model server):
 * where it is, which model, how to sample, and how hard we may push it. The config names the
 * environment variable that holds the API key, never the key: configs travel in workflow inputs,
 * and workflow history is readable by everyone with namespace access.
 */
import OpenAI from 'openai';
import { z } from 'zod';
import { PermanentEndpointError, describeEndpoint } from './http-errors';

/** Price of an endpoint's tokens, in currency units per million tokens. */
export const priceSchema = z.strictObject({
  /** Cost of one million prompt (input) tokens. */
  inputPerMTok: z.number().nonnegative(),
  /** Cost of one million completion (output) tokens. */
  outputPerMTok: z.number().nonnegative(),
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
  model: z.string().min(1),
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
  n: z.int().positive().optional(),
  /** Send one request per sample instead of using `n` (for endpoints that ignore n). */
  parallelSamples: z.boolean().optional(),
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().gt(0).max(1).optional(),
  /** Sent as max_tokens; for models that want max_completion_tokens, put that in extraBody. */
  maxTokens: z.int().positive().optional(),
  /** Base sampling seed; callers derive per-request seeds from it. */
  seed: z.int().optional(),
  stop: z.array(z.string()).max(4).optional(),
  /** Ask for token logprobs (default true); set false for endpoints that reject the parameter. */
  requestLogprobs: z.boolean().optional(),
  /** Extra request-body fields passed through verbatim (e.g. vLLM's top_k, reasoning_effort). */
  extraBody: z.record(z.string(), z.unknown()).optional(),

  // --- limits
  /** Per-request timeout in milliseconds (default 60000). */
  timeoutMs: z.int().positive().default(60_000),
  /** Most requests in flight at once from this process (default 8). */
  maxConcurrency: z.int().positive().default(8),
  /** Request budget per minute shared by every caller in this process. */
  requestsPerMinute: z.number().positive().optional(),
  /** Token budget (prompt + completion, estimated) per minute shared by every caller. */
  tokensPerMinute: z.number().positive().optional(),

  // --- cost
  price: priceSchema.optional(),
});

/** A validated endpoint configuration (defaults applied). */
export type EndpointConfig = z.output<typeof endpointConfigSchema>;
/** An endpoint configuration as a user writes it (defaults optional). */
export type EndpointConfigInput = z.input<typeof endpointConfigSchema>;
/** Token prices of one endpoint. */
export type Price = z.output<typeof priceSchema>;

/** Validates an endpoint config, throwing a PermanentEndpointError that lists every problem. */
export function parseEndpointConfig(input: unknown): EndpointConfig {
  const r = endpointConfigSchema.safeParse(input);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  const where =
    input && typeof input === 'object' && typeof (input as { baseURL?: unknown }).baseURL === 'string'
      ? (input as { baseURL: string }).baseURL
      : 'endpoint';
  throw new PermanentEndpointError(`invalid endpoint config: ${problems.join('; ')}`, where);
}

/** The key of an endpoint in per-process registries (governors). */
export function endpointKey(cfg: Pick<EndpointConfig, 'baseURL' | 'model'>): string {
  return `${cfg.baseURL.replace(/\/+$/, '')}|${cfg.model}`;
}

/**
 * An OpenAI SDK client for the endpoint. The key is read from `process.env[cfg.apiKeyEnv]` on the
 * worker; without `apiKeyEnv` a placeholder is sent (keyless local servers) and OPENAI_API_KEY is
 * NOT picked up implicitly. `maxRetries: 0`: the governor owns retries, so that 429s slow every
 * caller down together and attempts are counted once.
 */
export function createClient(cfg: EndpointConfig): OpenAI {
  let apiKey = 'no-key';
  if (cfg.apiKeyEnv) {
    const v = process.env[cfg.apiKeyEnv];
    if (!v) {
      throw new PermanentEndpointError(
        `endpoint ${describeEndpoint(cfg)}: the config names the API key variable ${cfg.apiKeyEnv}, ` +
          `but it is not set in this worker's environment; export ${cfg.apiKeyEnv} before starting the worker`,
        describeEndpoint(cfg),
      );
    }
    apiKey = v;
  }
  return new OpenAI({ baseURL: cfg.baseURL, apiKey, maxRetries: 0, timeout: cfg.timeoutMs });
}
