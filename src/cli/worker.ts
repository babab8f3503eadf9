/** Running a worker with the plugin, for `rlaif worker` and `rlaif demo`. */
import { format } from 'node:util';
import { DefaultLogger, Runtime, Worker, type LogLevel } from '@temporalio/worker';
import { redactSecrets } from '../util/redact';
import { connectWorker, type ConnectionSettings } from '../connection';
import { DEFAULT_TASK_QUEUE } from '../contracts';
import { RlaifPlugin, type RlaifPluginOptions } from '../plugin';
import { registerSearchAttributes } from '../temporal-server/register-search-attributes';
import { workflowBundleFor } from '../bundle/workflow-bundle';
import { loadKeyring } from '../codec/keys';

export interface WorkerOptions {
  taskQueue?: string;
  plugin?: RlaifPluginOptions;
  /** Activities running at once on this worker. */
  maxConcurrentActivities?: number;
  /** Set false for an activity-only worker (a GPU or API pool on its own task queue). */
  workflows?: boolean;
  /** Set false to bundle the workflows at start even when the build's bundle is current. */
  prebuiltBundle?: boolean;
  /** Where to say that the workflows were bundled at start, and why. Default: stderr. */
  note?: (line: string) => void;
}

/**
 * Sets the worker log level once per process (the SDK allows one runtime). Every line goes out
 * with the worker's secrets redacted: activity failures and server messages are logged whole.
 */
export function installWorkerLogging(level: LogLevel): void {
  const write = (entry: { level: string; timestampNanos: bigint; message: string; meta?: unknown }) => {
    const when = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
    const meta = entry.meta === undefined ? '' : ` ${format(entry.meta)}`;
    process.stderr.write(redactSecrets(`${when} [${entry.level}] ${entry.message}${meta}`) + '\n');
  };
  try {
    Runtime.install({ logger: new DefaultLogger(level, write) });
  } catch {
    // a runtime is already installed; keep it
  }
}

export async function createWorker(settings: ConnectionSettings, opts: WorkerOptions = {}): Promise<Worker> {
  if (opts.workflows !== false) {
    const added = await registerSearchAttributes(
      {
        address: settings.address,
        ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
        ...(settings.tls !== undefined ? { tls: settings.tls as never } : {}),
      },
      settings.namespace,
    );
    if (added.length > 0) process.stderr.write(`[rlaif] registered search attributes ${added.join(', ')}\n`);
  }
  const connection = await connectWorker(settings);
  // The bundle fixes the failure converter of workflow code: the codec's when the plugin will use
  // it (RLAIF_CODEC_KEY set). A caller's own data converter gets the SDK's bundling at start.
  const bundled =
    opts.workflows !== false && opts.plugin?.dataConverter === undefined
      ? await workflowBundleFor(loadKeyring() ? 'codec' : 'plain', {
          prebuilt: opts.prebuiltBundle !== false,
        })
      : undefined;
  if (bundled?.note) (opts.note ?? ((line) => process.stderr.write(`[rlaif] note: ${line}\n`)))(bundled.note);
  const plugin = new RlaifPlugin({
    ...opts.plugin,
    registerWorkflows: opts.workflows !== false && bundled === undefined,
  });
  return Worker.create({
    connection,
    namespace: settings.namespace,
    taskQueue: opts.taskQueue ?? DEFAULT_TASK_QUEUE,
    ...(bundled ? { workflowBundle: bundled.bundle } : {}),
    plugins: [plugin],
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities ?? 4,
    // On SIGTERM, running activities get a few seconds to finish, then are cancelled: each is
    // idempotent and resumes on another worker, and an operator stopping a worker wants it gone.
    shutdownGraceTime: '3 seconds',
    shutdownForceTime: '10 seconds',
  });
}
