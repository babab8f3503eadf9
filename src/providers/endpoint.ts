/**
 * An OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp server, the local model server):
 * where it is, which model, how to sample, and how hard we may push it. The config names the
 * environment variable that holds the API key, never the key: configs travel in workflow inputs,
 * and workflow history is readable by everyone with namespace access.
 */
import { createHash } from 'node:crypto';
import OpenAI from 'openai';
import { endpointConfigSchema, type priceSchema } from './endpoint-schema';
import type { z } from 'zod';
import { PermanentEndpointError, describeEndpoint } from './http-errors';
import { registerSecret } from '../util/redact';

export { endpointConfigSchema, priceSchema } from './endpoint-schema';

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

/**
 * The key of an endpoint in per-process registries (governors): its URL, model and credential.
 * Two runs that reach one server with different keys have separate rate limits at the server,
 * and an error of one must never name the other's key variable; the key enters only as a hash.
 */
export function endpointKey(cfg: Pick<EndpointConfig, 'baseURL' | 'model' | 'apiKeyEnv'>): string {
  const key = cfg.apiKeyEnv ? (process.env[cfg.apiKeyEnv] ?? '') : '';
  const credential = key ? createHash('sha256').update(key).digest('hex').slice(0, 16) : '-';
  return `${cfg.baseURL.replace(/\/+$/, '')}|${cfg.model}|${cfg.apiKeyEnv ?? ''}|${credential}`;
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
    registerSecret(v);
  }
  return new OpenAI({ baseURL: cfg.baseURL, apiKey, maxRetries: 0, timeout: cfg.timeoutMs });
}
