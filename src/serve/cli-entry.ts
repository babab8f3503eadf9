/** `rlaif serve-local`: runs the local OpenAI-compatible model server until SIGINT or SIGTERM. */
import { LOCAL_MODELS, startLocalModelServer } from './local-model-server';

/** Starts the server, prints its base URL and models to stderr, and resolves after a clean shutdown on a signal. */
export async function runServeLocal(opts: {
  port: number;
  host?: string;
  storeRoot?: string;
}): Promise<void> {
  const server = await startLocalModelServer({
    port: opts.port,
    ...(opts.host ? { host: opts.host } : {}),
    ...(opts.storeRoot ? { storeRoot: opts.storeRoot } : {}),
  });
  process.stderr.write(
    `local model server: ${server.url}\n` +
      `models: ${Object.values(LOCAL_MODELS).join(', ')}${opts.storeRoot ? `, and store:<key> policies from ${opts.storeRoot}` : ''}\n` +
      `use it with OPENAI_BASE_URL=${server.url} (any API key); Ctrl-C stops it\n`,
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
  await server.close();
}
