/** `rlaif serve-local`: runs the local OpenAI-compatible model server until SIGINT or SIGTERM. */
import { localDpoFineTuner } from './dpo-fine-tuner';
import { LOCAL_MODELS, startLocalModelServer } from './local-model-server';
import { startOpenAIJobsServer, type OpenAIJobsServer } from './openai-jobs-server';

/** Starts the server, prints its base URL and models to stderr, and resolves after a clean shutdown on a signal. */
export async function runServeLocal(opts: {
  port: number;
  host?: string;
  storeRoot?: string;
  /** Also serve Files, Batches and fine-tuning jobs (DPO jobs train for real) on this port. */
  jobsPort?: number;
}): Promise<void> {
  const server = await startLocalModelServer({
    port: opts.port,
    ...(opts.host ? { host: opts.host } : {}),
    ...(opts.storeRoot ? { storeRoot: opts.storeRoot } : {}),
  });
  let jobs: OpenAIJobsServer | undefined;
  if (opts.jobsPort !== undefined) {
    jobs = await startOpenAIJobsServer({
      port: opts.jobsPort,
      ...(opts.host ? { host: opts.host } : {}),
      target: server.url,
      fineTuner: localDpoFineTuner(server),
    });
    process.stderr.write(
      `jobs server (files, batches, fine-tuning; fine-tuned models are served above): ${jobs.url}\n`,
    );
  }
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
  await jobs?.close();
  await server.close();
}
