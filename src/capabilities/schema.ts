/**
 * What a worker's owner lets runs use, declared on the worker (plugin options or the worker
 * config file of `rlaif worker --worker-config`): endpoints with their keys and limits, trainer
 * commands with the environment they get, and the folders data files may come from. A run config
 * only names these; see docs/security.md.
 */
import { z } from 'zod';
import { endpointConfigSchema } from '../providers/endpoint-schema';

/** Names a run config uses to refer to a capability. */
export const capabilityName = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_-]{1,39}$/,
    'a name of 2 to 40 letters, digits, _ and -, starting with a letter',
  );

const envVarName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'the NAME of an environment variable, e.g. HF_TOKEN');

/** A trainer command the worker runs for optimize-policy method "external". */
export const trainerCapabilitySchema = z.strictObject({
  /** argv (no shell); the spec path is appended. A relative program path is taken from `cwd`. */
  command: z.array(z.string().min(1).max(4096)).min(1).max(256),
  /** The trainer's working folder (default: the stage's folder in the store). */
  cwd: z.string().min(1).max(4096).optional(),
  /** Variables of the worker's environment passed to the trainer, besides PATH, HOME, LANG, TMPDIR. */
  env: z.array(envVarName).max(256).default([]),
  /** Longest a run may let this trainer run, whatever its config asks. */
  maxTimeoutMinutes: z
    .number()
    .positive()
    .max(7 * 24 * 60)
    .default(24 * 60),
});

/** The worker config file, and the `capabilities` option of the plugin. */
export const workerCapabilitiesSchema = z.strictObject({
  /**
   * Let run configs declare endpoints, trainer commands and file paths inline, as the worker's
   * own. Only for a worker whose namespace nobody else can start runs in (a laptop): whoever
   * starts a run can then make this worker run any command and send its keys anywhere.
   */
  trustRunConfigs: z.boolean().default(false),
  /** OpenAI-compatible endpoints runs may name (`"endpoint": "judge"`). */
  endpoints: z.record(capabilityName, endpointConfigSchema).default({}),
  /** Trainer commands runs may name (`"trainer": {"name": "trl-dpo"}`). */
  trainers: z.record(capabilityName, trainerCapabilitySchema).default({}),
  /** Folders data files may come from; a config names a file as "<root>:<path inside it>". */
  dataRoots: z.record(capabilityName, z.string().min(1).max(4096)).default({}),
});

export type TrainerCapability = z.output<typeof trainerCapabilitySchema>;
/** Validated worker capabilities (defaults applied). */
export type WorkerCapabilitiesSpec = z.output<typeof workerCapabilitiesSchema>;
/** Worker capabilities as the owner writes them. */
export type WorkerCapabilitiesInput = z.input<typeof workerCapabilitiesSchema>;
