/** What a worker offers runs: endpoints, trainers and data roots, declared by its owner. */
export { CapabilityError } from './errors';
export { loadWorkerCapabilities, workerCapabilitiesFrom, WORKER_CONFIG_ENV } from './load';
export type { TrainerCapability, WorkerCapabilitiesInput, WorkerCapabilitiesSpec } from './schema';
export { WorkerCapabilities, type ResolvedTrainer } from './worker-capabilities';
