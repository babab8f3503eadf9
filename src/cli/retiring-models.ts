/**
 * `rlaif start`'s check of the models a run uses: the endpoints a worker will call are declared
 * in its worker config file, so the check runs when this machine has that file (`--worker-config`
 * or $RLAIF_WORKER_CONFIG) or the config declares its endpoints inline. The worker checks again
 * when the run starts and logs what it finds.
 */
import { loadWorkerCapabilities, WORKER_CONFIG_ENV } from '../capabilities/load';
import type { RunConfig } from '../config/schema';
import type { EndpointConfig } from '../providers/endpoint';
import { endpointsUsed, retirementWarnings } from '../providers/model-retirement';

/** Warnings about retiring models the run uses, from the endpoints this machine can see. */
export async function retiringModelWarnings(
  config: RunConfig,
  workerConfigFile: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string[]> {
  const file = workerConfigFile ?? (env[WORKER_CONFIG_ENV]?.trim() || undefined);
  let declared: Record<string, EndpointConfig> = {};
  if (file) {
    try {
      declared = loadWorkerCapabilities(file).spec.endpoints;
    } catch {
      // The worker reads its own config; a file this machine cannot read only skips the check.
    }
  }
  const used = endpointsUsed(config, (name) => config.endpoints[name] ?? declared[name]);
  return used.length === 0 ? [] : retirementWarnings(used, { timeoutMs: 3000 });
}
