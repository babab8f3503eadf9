/**
 * The client-only plugin: add it to a Client (`new Client({ plugins: [new RlaifClientPlugin()] })`)
 * to read and write what the workers encrypt and offload. It sets the data converter and nothing
 * else: no activities, no workflows, and an artifact store opened only when a payload the workers
 * offloaded is read (or one this client sends is large enough to offload). The worker plugin
 * (`RlaifPlugin`, src/plugin.ts) builds on the same converter.
 */
import type { ClientOptions, ClientPlugin } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { codecDataConverterFromEnv } from './codec/data-converter';
import { offloadThresholdFromEnv, withPayloadStorage } from './codec/payload-storage';
import { openArtifactStore } from './store/open-store';
import type { ArtifactStore } from './store/store';
import { registerSecret, registerSecretVariables } from './util/redact';

/** What a client needs to read a run's payloads: the codec and where offloaded payloads are. */
export interface RlaifClientPluginOptions {
  /**
   * Where artifacts (and offloaded payloads) live: a folder, or `s3://bucket/prefix` (credentials
   * from the standard AWS chain, `AWS_ENDPOINT_URL` for S3-compatible servers). Every worker of a
   * run, and a client reading its payloads, must see the same store. Opened on first use.
   * Default: $RLAIF_STORE or .rlaif/store.
   */
  readonly storeRoot?: string;
  /** An artifact store already opened (instead of `storeRoot`). */
  readonly store?: ArtifactStore;
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
}

/** Opens the store the options name once, on the first call. */
export function lazyStore(
  options: Pick<RlaifClientPluginOptions, 'store' | 'storeRoot'>,
): () => ArtifactStore {
  let store = options.store;
  return () => (store ??= openArtifactStore(options.storeRoot));
}

/**
 * The data converter of the plugin's clients and workers: the codec, with large payloads offloaded
 * to `store` (opened on first use). Reads RLAIF_CODEC_KEY at once, so a malformed key fails
 * here, before any network wait.
 */
export function rlaifDataConverter(
  options: RlaifClientPluginOptions,
  store: () => ArtifactStore,
): DataConverter | undefined {
  const dataConverter = withPayloadStorage(
    options.dataConverter ?? codecDataConverterFromEnv(),
    store,
    options.offloadPayloadsAbove ?? offloadThresholdFromEnv(),
  );
  // The codec keys never appear in what this process reports, whoever asks.
  registerSecretVariables(['RLAIF_CODEC_KEY', 'RLAIF_CODEC_SERVER_TOKEN']);
  for (const entry of (process.env.RLAIF_CODEC_OLD_KEYS ?? '').split(/[,\s]+/))
    registerSecret(entry.slice(entry.indexOf('=') + 1));
  return dataConverter;
}

/** A client plugin only: it cannot be given to a Worker, which needs `RlaifPlugin`. */
export class RlaifClientPlugin implements ClientPlugin {
  readonly name = 'temporal-rlaif-client';
  /** The converter this plugin gives clients (undefined: Temporal's default). */
  readonly dataConverter: DataConverter | undefined;

  constructor(options: RlaifClientPluginOptions = {}) {
    this.dataConverter = rlaifDataConverter(options, lazyStore(options));
  }

  /** Sets the converter; fields the client already set and this one does not name stay. */
  configureClient(options: Omit<ClientOptions, 'plugins'>): Omit<ClientOptions, 'plugins'> {
    if (!this.dataConverter) return options;
    return { ...options, dataConverter: { ...options.dataConverter, ...this.dataConverter } };
  }
}
