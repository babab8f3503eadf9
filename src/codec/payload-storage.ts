/**
 * Temporal's own large-payload path on the artifact store: payloads above a threshold (default
 * 1 MiB, under Temporal's 2 MB per payload, fixed on Temporal Cloud, and 4 MB per request) are
 * written to the run's artifact store by the SDK's external storage (`DataConverter.externalStorage`)
 * and replaced in history by a small reference. Workflows keep only artifact references and
 * metrics by design, so this is a safety net for what users put in configs, custom stages'
 * outputs and failures, not a path the built-in stages rely on.
 *
 * The SDK offloads payloads after the codec chain has run, so with `RLAIF_CODEC_KEY` set what the
 * store holds is the same compressed, AES-GCM ciphertext history would have held.
 *
 * @experimental the SDK's external storage is experimental.
 */
import { createHash } from 'node:crypto';
import {
  ExternalStorage,
  StorageDriverClaim,
  type DataConverter,
  type Payload,
  type StorageDriver,
} from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { ArtifactStore } from '../store/store';

const PayloadProto = temporal.api.common.v1.Payload;

/** The default threshold: payloads this size and larger go to the store. */
export const DEFAULT_OFFLOAD_BYTES = 1024 * 1024;

/**
 * A storage driver on an artifact store: each payload (its protobuf bytes) is committed under
 * `payloads/<sha256>`, so the same payload is stored once and a retried task writes nothing new,
 * and is read back verified against the sha256 in its claim.
 */
export class ArtifactStoreDriver implements StorageDriver {
  readonly name = 'rlaif-artifact-store';
  readonly type = 'temporal-rlaif.artifact-store';
  private opened?: ArtifactStore;

  /** `store` is opened on first use: a client that never meets a large payload never opens it. */
  constructor(private readonly openStore: () => ArtifactStore) {}

  private get s(): ArtifactStore {
    this.opened ??= this.openStore();
    return this.opened;
  }

  async store(_ctx: unknown, payloads: Payload[]): Promise<StorageDriverClaim[]> {
    return Promise.all(
      payloads.map(async (p) => {
        const bytes = PayloadProto.encode(p).finish();
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        const ref = await this.s.commitBytes(`payloads/${sha256}`, bytes, 1);
        return new StorageDriverClaim({
          key: `payloads/${sha256}`,
          sha256: ref.sha256,
          bytes: String(ref.bytes),
        });
      }),
    );
  }

  async retrieve(_ctx: unknown, claims: StorageDriverClaim[]): Promise<Payload[]> {
    return Promise.all(
      claims.map(async (c) => {
        const { key, sha256, bytes } = c.claimData;
        if (!key || !sha256 || !bytes)
          throw new Error(`malformed payload claim ${JSON.stringify(c.claimData)}`);
        const data = await this.s.readBytes({ uri: `store:${key}`, sha256, count: 1, bytes: Number(bytes) });
        return PayloadProto.decode(data) as Payload;
      }),
    );
  }
}

/**
 * The offload threshold from `RLAIF_OFFLOAD_PAYLOAD_BYTES` (bytes; `off` turns offloading off),
 * else the default.
 */
export function offloadThresholdFromEnv(env: NodeJS.ProcessEnv = process.env): number | false {
  const v = env.RLAIF_OFFLOAD_PAYLOAD_BYTES;
  if (v === undefined || v === '') return DEFAULT_OFFLOAD_BYTES;
  if (v === 'off') return false;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`RLAIF_OFFLOAD_PAYLOAD_BYTES must be a whole number of bytes or "off"; got "${v}"`);
  return n;
}

/** `dataConverter` with payloads of `threshold` bytes and more offloaded to the store. */
export function withPayloadStorage(
  dataConverter: DataConverter | undefined,
  store: () => ArtifactStore,
  threshold: number | false,
): DataConverter | undefined {
  if (threshold === false) return dataConverter;
  return {
    ...(dataConverter ?? {}),
    externalStorage: new ExternalStorage({
      drivers: [new ArtifactStoreDriver(store)],
      payloadSizeThreshold: threshold,
    }),
  };
}
