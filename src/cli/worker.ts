/** Running a worker with the plugin, for `rlaif worker` and `rlaif demo`. */
import { DefaultLogger, Runtime, Worker, type LogLevel } from '@temporalio/worker';
import { connectWorker, type ConnectionSettings } from '../connection';
import { DEFAULT_TASK_QUEUE } from '../contracts';
import { RlaifPlugin, type RlaifPluginOptions } from '../plugin';
import { registerSearchAttributes } from '../server/register-search-attributes';

export interface WorkerOptions {
  taskQueue?: string;
  plugin?: RlaifPluginOptions;
  /** Activities running at once on this worker. */
  maxConcurrentActivities?: number;
  /** Set false for an activity-only worker (a GPU or API pool on its own task queue). */
  workflows?: boolean;
}

/** Sets the worker log level once per process (the SDK allows one runtime). */
export function installWorkerLogging(level: LogLevel): void {
  try {
    Runtime.install({ logger: new DefaultLogger(level) });
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
  const plugin = new RlaifPlugin({ ...opts.plugin, registerWorkflows: opts.workflows !== false });
  return Worker.create({
    connection,
    namespace: settings.namespace,
    taskQueue: opts.taskQueue ?? DEFAULT_TASK_QUEUE,
    plugins: [plugin],
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities ?? 4,
    // Long activities heartbeat from the main thread while compute threads work; let them finish on shutdown.
    shutdownGraceTime: '10 seconds',
  });
}
