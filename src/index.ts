/** The package root: the plugin, activities, config, store and client helpers. Not workflow-safe. */
export { RlaifPlugin, WORKFLOWS_PATH, type RlaifPluginOptions, type CustomStage } from './plugin';
export { RlaifClientPlugin, type RlaifClientPluginOptions } from './client-plugin';
export { createActivities, type RlaifActivities } from '../activities';
export { RunConfigSchema, type RunConfig, type RunConfigInput, type StageSpec } from './config/schema';
export { parseRunConfig } from './config/parse';
export { loadRunConfigFile } from './config/load';
export { ConfigError } from './config/errors';
export {
  CapabilityError,
  loadWorkerCapabilities,
  WorkerCapabilities,
  type WorkerCapabilitiesInput,
} from './capabilities';
export { LocalArtifactStore } from './store/local-store';
export { S3ArtifactStore } from './store/s3-store';
export { openArtifactStore } from './store/open-store';
export type { ArtifactStore } from './store/store';
export type { ArtifactRef } from './store/artifact';
export * from './contracts';
export { resolveConnection, connectClient, connectWorker } from './connection';
export { startRun, resumeRun, runResult } from './cli/runs';
export { createConfidenceFilterStage } from './custom/confidence-filter';
export {
  codecDataConverterFromEnv,
  createCodecDataConverter,
  createPayloadCodecs,
  loadKeyring,
  startCodecServer,
} from './codec';
