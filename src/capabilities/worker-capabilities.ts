/**
 * The capabilities a worker offers, and the one place where a run config's names for them are
 * resolved. Whoever can start a workflow can send any config, so nothing a config says inline
 * is used unless the worker's owner opted in with `trustRunConfigs`; every refusal is a
 * non-retryable CapabilityError that says what is missing and where the owner declares it.
 */
import { realpath } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';
import type { RunConfig } from '../config/schema';
import { baseEnvironment } from '../policy/external-trainer';
import { parseEndpointConfig, type EndpointConfig } from '../providers/endpoint';
import { registerSecret, registerSecretVariables } from '../util/redact';
import { CapabilityError } from './errors';
import { badPathInRoot, parseFileRef } from './file-ref';
import {
  workerCapabilitiesSchema,
  type TrainerCapability,
  type WorkerCapabilitiesInput,
  type WorkerCapabilitiesSpec,
} from './schema';

/** A trainer command ready to run: its argv, folder and exact environment. */
export interface ResolvedTrainer {
  command: string[];
  cwd?: string;
  env: Record<string, string>;
  timeoutMs: number;
}

type TrainerConfig = NonNullable<RunConfig['policy']['trainer']>;

const quoted = (names: readonly string[]) => (names.length ? names.map((n) => `"${n}"`).join(', ') : 'none');

export class WorkerCapabilities {
  readonly spec: WorkerCapabilitiesSpec;

  /**
   * @param declaredIn where the owner declares them, named in errors ("the worker config file
   *   /etc/rlaif/worker.json", "the plugin's capabilities option").
   * @param baseDir the folder relative paths of the declaration are taken from.
   */
  constructor(
    input: WorkerCapabilitiesInput = {},
    readonly declaredIn = "the plugin's capabilities option",
    baseDir = process.cwd(),
  ) {
    const spec = workerCapabilitiesSchema.parse(input);
    const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
    this.spec = {
      ...spec,
      dataRoots: Object.fromEntries(Object.entries(spec.dataRoots).map(([k, v]) => [k, abs(v)])),
      trainers: Object.fromEntries(
        Object.entries(spec.trainers).map(([k, t]) => [k, t.cwd ? { ...t, cwd: abs(t.cwd) } : t]),
      ),
    };
    // Every key this worker may send, and every variable it passes on, is redacted from what it says.
    registerSecretVariables(Object.values(spec.endpoints).flatMap((e) => (e.apiKeyEnv ? [e.apiKeyEnv] : [])));
    registerSecretVariables(Object.values(spec.trainers).flatMap((t) => t.env));
  }

  get trustsRunConfigs(): boolean {
    return this.spec.trustRunConfigs;
  }

  private refuseInline(field: string, what: string): never {
    throw new CapabilityError(
      `${field}: the run config gives ${what} inline, but this worker uses only what its owner declares ` +
        `(in ${this.declaredIn}); name a declared one instead. Only on a worker whose namespace nobody ` +
        'else can start runs in may the owner set "trustRunConfigs": true (docs/security.md).',
    );
  }

  /** The endpoint a config names in `field`: the worker's, or (trusted configs only) the config's own. */
  endpoint(config: RunConfig, name: string | undefined, field: string): EndpointConfig {
    if (name === undefined) throw new CapabilityError(`${field}: the run names no endpoint here`);
    const inline = config.endpoints[name];
    if (inline !== undefined) {
      if (!this.trustsRunConfigs)
        this.refuseInline(`endpoints.${name}`, 'an endpoint (URL and key variable)');
      if (name in this.spec.endpoints)
        throw new CapabilityError(
          `endpoints.${name}: the worker declares an endpoint of this name too; remove it from the run config`,
        );
      const endpoint = parseEndpointConfig(inline);
      if (endpoint.apiKeyEnv) registerSecret(process.env[endpoint.apiKeyEnv]);
      return endpoint;
    }
    const declared = this.spec.endpoints[name];
    if (!declared) {
      throw new CapabilityError(
        `${field}: this worker offers no endpoint named "${name}" (it offers ${quoted(Object.keys(this.spec.endpoints))}); ` +
          `its owner declares endpoints in ${this.declaredIn} under "endpoints"`,
      );
    }
    return declared;
  }

  /** The trainer command a config names, with the environment it may see. */
  trainer(trainer: TrainerConfig, field = 'policy.trainer'): ResolvedTrainer {
    let declared: TrainerCapability;
    if (trainer.command !== undefined) {
      if (!this.trustsRunConfigs) this.refuseInline(`${field}.command`, 'a command to run');
      declared = { command: trainer.command, env: [], maxTimeoutMinutes: trainer.timeoutMinutes };
    } else {
      const name = trainer.name ?? '';
      const found = this.spec.trainers[name];
      if (!found) {
        throw new CapabilityError(
          `${field}.name: this worker offers no trainer named "${name}" (it offers ${quoted(Object.keys(this.spec.trainers))}); ` +
            `its owner declares trainers in ${this.declaredIn} under "trainers"`,
        );
      }
      declared = found;
    }
    const env = baseEnvironment();
    for (const name of declared.env) {
      const value = process.env[name];
      if (value !== undefined) env[name] = value;
    }
    return {
      command: declared.command,
      ...(declared.cwd ? { cwd: declared.cwd } : {}),
      env,
      timeoutMs: Math.min(trainer.timeoutMinutes, declared.maxTimeoutMinutes) * 60_000,
    };
  }

  /**
   * The declared folder of the root a file reference names (undefined for a plain path, which
   * only a worker that trusts run configs accepts); throws when this worker cannot serve it.
   */
  fileRoot(ref: string, field: string): string | undefined {
    const { root, path } = parseFileRef(ref);
    if (root === undefined) {
      if (this.trustsRunConfigs) return undefined;
      throw new CapabilityError(
        `${field}: "${ref}" is a path on the worker, but this worker reads files only from the data roots ` +
          `its owner declares (it has ${quoted(Object.keys(this.spec.dataRoots))}, in ${this.declaredIn} under "dataRoots"); ` +
          'write it as "<root>:<path inside the root>"',
      );
    }
    const folder = this.spec.dataRoots[root];
    if (folder === undefined) {
      throw new CapabilityError(
        `${field}: this worker has no data root named "${root}" (it has ${quoted(Object.keys(this.spec.dataRoots))}); ` +
          `its owner declares data roots in ${this.declaredIn} under "dataRoots"`,
      );
    }
    const bad = badPathInRoot(path);
    if (bad) throw new CapabilityError(`${field}: "${ref}": ${bad}`);
    return folder;
  }

  /**
   * The absolute path of a file a config names in `field`, checked to lie inside its data root
   * after following symbolic links. Messages name the root and the path as the config wrote
   * them, never the root's folder on this machine.
   */
  async dataFile(ref: string, field: string): Promise<string> {
    const { root, path } = parseFileRef(ref);
    const folder = this.fileRoot(ref, field);
    // A trusted plain path is read as written, so messages about it name it as the user wrote it.
    if (root === undefined || folder === undefined) return path;
    const rootReal = await realpath(folder).catch(() => {
      throw new CapabilityError(
        `${field}: data root "${root}" is declared but its folder does not exist on this worker (see ${this.declaredIn})`,
      );
    });
    const real = await realpath(resolve(rootReal, path)).catch(() => {
      throw new CapabilityError(`${field}: there is no file "${path}" in data root "${root}" on this worker`);
    });
    if (!real.startsWith(rootReal + sep)) {
      throw new CapabilityError(
        `${field}: "${ref}" leads outside data root "${root}" (through a symbolic link)`,
      );
    }
    return real;
  }
}
