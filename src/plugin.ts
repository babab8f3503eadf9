/**
 * The Temporal plugin. Add it to a Worker (`Worker.create({ plugins: [new RlaifPlugin()] })`)
 * to register the RLAIF activities under `rlaif.*` names, any custom stages, and the data
 * converter; add it to a Client for the same converter. Workflows are not shipped by a plugin
 * in TypeScript: re-export them from `temporal-rlaif/workflows` in your workflows file, or use
 * `workflowsPath` below.
 */
import * as path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { SimplePlugin } from '@temporalio/plugin';
import { createActivities } from '../activities';
import { configLoader } from '../activities/config-ref';
import { classified } from '../activities/context';
import { WorkerCapabilities } from './capabilities/worker-capabilities';
import type { WorkerCapabilitiesInput } from './capabilities/schema';
import { codecDataConverterFromEnv } from './codec/data-converter';
import { offloadThresholdFromEnv, withPayloadStorage } from './codec/payload-storage';
import type { StageInput, StageOutput } from './contracts';
import { openArtifactStore } from './store/open-store';
import type { ArtifactStore } from './store/store';
import { registerSecret, registerSecretVariables } from './util/redact';

/** A user's own stage: an activity that reads the round's board and adds to it. */
export type CustomStage = (input: StageInput) => Promise<StageOutput>;

export interface RlaifPluginOptions {
  /**
   * Where artifacts live: a folder, or `s3://bucket/prefix` (credentials from the standard AWS
   * chain, `AWS_ENDPOINT_URL` for S3-compatible servers). Every worker of a run must see the same
   * store. Default: $RLAIF_STORE or .rlaif/store.
   */
  readonly storeRoot?: string;
  /** An artifact store already opened (instead of `storeRoot`). */
  readonly store?: ArtifactStore;
  /**
   * What runs may use on this worker: endpoints (with the variables holding their keys), trainer
   * commands and data roots. A run config only names them; see docs/security.md. Default: none,
   * which runs the embedded demo.
   */
  readonly capabilities?: WorkerCapabilities | WorkerCapabilitiesInput;
  /** Custom stages by activity name, to be named in a config's `stages[].activity`. */
  readonly stages?: Readonly<Record<string, CustomStage>>;
  /**
   * A data converter for workers and clients. Default: the payload codec (compression and
   * AES-GCM, docs/security.md) when RLAIF_CODEC_KEY is set, else Temporal's plain JSON.
   */
  readonly dataConverter?: DataConverter;
  /**
   * Payloads of this many bytes and more go to the artifact store instead of history (the SDK's
   * external storage; `false` turns it off). Default: $RLAIF_OFFLOAD_PAYLOAD_BYTES or 1 MiB.
   * @experimental
   */
  readonly offloadPayloadsAbove?: number | false;
  /** Register this package's workflows on the worker (default true). */
  readonly registerWorkflows?: boolean;
}

/** The path of the workflow-safe entry point that a worker bundles. */
export const WORKFLOWS_PATH = path.join(__dirname, '..', 'workflows', 'index.js');

export class RlaifPlugin extends SimplePlugin {
  /** The artifact store the activities use. */
  readonly store: ArtifactStore;

  constructor(options: RlaifPluginOptions = {}) {
    const store = options.store ?? openArtifactStore(options.storeRoot);
    for (const name of Object.keys(options.stages ?? {})) {
      if (name.startsWith('rlaif.')) throw new Error(`custom stage "${name}": the rlaif. prefix is reserved`);
    }
    const dataConverter = withPayloadStorage(
      options.dataConverter ?? codecDataConverterFromEnv(),
      () => store,
      options.offloadPayloadsAbove ?? offloadThresholdFromEnv(),
    );
    // The codec keys never appear in what this worker reports, whoever asks.
    registerSecretVariables(['RLAIF_CODEC_KEY', 'RLAIF_CODEC_SERVER_TOKEN']);
    for (const entry of (process.env.RLAIF_CODEC_OLD_KEYS ?? '').split(/[,\s]+/))
      registerSecret(entry.slice(entry.indexOf('=') + 1));
    const capabilities =
      options.capabilities instanceof WorkerCapabilities
        ? options.capabilities
        : new WorkerCapabilities(options.capabilities ?? {});
    // Rounds send custom stages the run config by reference too: they get it loaded, as the
    // built-in ones, and their permanent errors (a `ConfigError`, say) fail at once like theirs.
    const withConfig = configLoader(store);
    const stages = Object.fromEntries(
      Object.entries(options.stages ?? {}).map(([name, stage]) => {
        const loaded = withConfig(stage);
        return [name, (input: Parameters<typeof loaded>[0]) => classified(() => loaded(input))];
      }),
    );
    super({
      name: 'temporal-rlaif',
      activities: { ...createActivities({ store, capabilities }), ...stages },
      ...(dataConverter ? { dataConverter } : {}),
      ...(options.registerWorkflows === false ? {} : { workflowsPath: WORKFLOWS_PATH }),
    });
    this.store = store;
  }
}
