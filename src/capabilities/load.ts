/** Reads a worker config file (`rlaif worker --worker-config FILE`, or $RLAIF_WORKER_CONFIG). */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../config/errors';
import { parseJsonText } from '../config/load';
import { describeIssue } from '../config/parse';
import { workerCapabilitiesSchema } from './schema';
import { WorkerCapabilities } from './worker-capabilities';

/** The environment variable naming the worker config file when no option does. */
export const WORKER_CONFIG_ENV = 'RLAIF_WORKER_CONFIG';

/** Loads and validates a worker config file; relative paths in it are taken from its folder. */
export function loadWorkerCapabilities(file: string): WorkerCapabilities {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `cannot read worker config file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  const parsed = workerCapabilitiesSchema.safeParse(parseJsonText(text, path));
  if (!parsed.success) {
    const problems = parsed.error.issues.map(describeIssue);
    throw new ConfigError(`Invalid worker config file ${path}:\n  - ${problems.join('\n  - ')}`, problems);
  }
  return new WorkerCapabilities(parsed.data, `the worker config file ${path}`, dirname(path));
}

/**
 * The worker's capabilities: from `file`, else from $RLAIF_WORKER_CONFIG, else none (a worker
 * that runs the embedded demo only), with `trustRunConfigs` forced on when asked for.
 */
export function workerCapabilitiesFrom(
  file: string | undefined,
  trustRunConfigs = false,
  env: NodeJS.ProcessEnv = process.env,
): WorkerCapabilities {
  const chosen = file ?? (env[WORKER_CONFIG_ENV]?.trim() || undefined);
  const caps = chosen
    ? loadWorkerCapabilities(chosen)
    : new WorkerCapabilities(
        {},
        'a worker config file (this worker was started without one: rlaif worker --worker-config FILE)',
      );
  if (!trustRunConfigs || caps.trustsRunConfigs) return caps;
  return new WorkerCapabilities(
    { ...caps.spec, trustRunConfigs: true },
    `${caps.declaredIn} and --trust-run-configs`,
  );
}
