/** `rlaif serve-local`: runs the local OpenAI-compatible model server until SIGINT or SIGTERM. */
import { ConfigError } from '../config/errors';
import { localDpoFineTuner } from './dpo-fine-tuner';
import {
  LOCAL_MODELS,
  localModelLimits,
  startLocalModelServer,
  type LocalModelLimits,
} from './local-model-server';
import { startOpenAIJobsServer, type OpenAIJobsServer } from '../../devtools/openai-jobs/server';

/** The API key held by the variable `name`; a ConfigError when it is unset or empty, so the server never starts open by mistake. */
export function apiKeyFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const key = env[name]?.trim();
  if (!key)
    throw new ConfigError(
      `${name} is ${env[name] === undefined ? 'not set' : 'empty'}: --api-key-env ${name} needs it to hold ` +
        'the API key clients must send as "Authorization: Bearer <key>" (make one with: openssl rand -hex 32)',
    );
  return key;
}

/** Starts the server, prints its base URL and models to stderr, and resolves after a clean shutdown on a signal. */
export async function runServeLocal(opts: {
  port: number;
  host?: string;
  storeRoot?: string;
  /** Also serve Files, Batches and fine-tuning jobs (DPO jobs train for real) on this port. */
  jobsPort?: number;
  /** Require `Authorization: Bearer <the value of this variable>` on every request (both servers). */
  apiKeyEnv?: string;
  /** Limits of the model server; missing ones take the defaults (docs/local-model-server.md). */
  limits?: Partial<LocalModelLimits>;
}): Promise<void> {
  const apiKey = opts.apiKeyEnv === undefined ? undefined : apiKeyFromEnv(opts.apiKeyEnv);
  try {
    localModelLimits(opts.limits);
  } catch (err) {
    throw new ConfigError(`serve-local: ${(err as Error).message}`);
  }
  const server = await startLocalModelServer({
    port: opts.port,
    ...(opts.host ? { host: opts.host } : {}),
    ...(opts.storeRoot ? { storeRoot: opts.storeRoot } : {}),
    ...(apiKey ? { apiKey } : {}),
    ...(opts.limits ? { limits: opts.limits } : {}),
  });
  let jobs: OpenAIJobsServer | undefined;
  if (opts.jobsPort !== undefined) {
    jobs = await startOpenAIJobsServer({
      port: opts.jobsPort,
      ...(opts.host ? { host: opts.host } : {}),
      target: server.url,
      ...(apiKey ? { apiKey, targetApiKey: apiKey } : {}),
      fineTuner: localDpoFineTuner(server),
    });
    process.stderr.write(
      `jobs server (files, batches, fine-tuning; fine-tuned models are served above): ${jobs.url}\n`,
    );
  }
  const keyHint = apiKey ? `the API key in $${opts.apiKeyEnv}` : 'any API key';
  process.stderr.write(
    `local model server: ${server.url}\n` +
      `models: ${Object.values(LOCAL_MODELS).join(', ')}${opts.storeRoot ? `, and store:<key> policies from ${opts.storeRoot}` : ''}\n` +
      `use it with OPENAI_BASE_URL=${server.url} (${keyHint}); Ctrl-C stops it\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stderr.write(`local model server: ${signal}, stopping\n`);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await jobs?.close();
  await server.close();
}
