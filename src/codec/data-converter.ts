/**
 * The data converter that compresses and encrypts every payload, for workers, clients and the
 * codec server alike: all three must use the same chain or they cannot read each other's data.
 */
import * as path from 'node:path';
import type { DataConverter, PayloadCodec } from '@temporalio/common';
import { CompressionCodec, type CompressionCodecOptions } from './compression-codec';
import { EncryptionCodec, type EncryptionCodecOptions } from './encryption-codec';
import { loadKeyring, type CodecKeyring } from './keys';

/** The module with the failure converter, by path, so the workflow bundler can include it. */
export const FAILURE_CONVERTER_PATH = path.join(__dirname, 'failure-converter');

/** Options of the codec chain; the defaults are those of workers and clients. */
export type PayloadCodecsOptions = CompressionCodecOptions & EncryptionCodecOptions;

/** Compression, then encryption with the keyring's current key. */
export function createPayloadCodecs(keys: CodecKeyring, options: PayloadCodecsOptions = {}): PayloadCodec[] {
  return [new CompressionCodec(options), new EncryptionCodec(keys, options)];
}

/** A data converter with the codec chain and encrypted failure messages. */
export function createCodecDataConverter(keys: CodecKeyring): DataConverter {
  return { payloadCodecs: createPayloadCodecs(keys), failureConverterPath: FAILURE_CONVERTER_PATH };
}

/**
 * The codec data converter when `RLAIF_CODEC_KEY` is set in `env`, else undefined (payloads stay
 * plain JSON). Throws a `CodecKeyError` naming the variable when a key is malformed.
 */
export function codecDataConverterFromEnv(env: NodeJS.ProcessEnv = process.env): DataConverter | undefined {
  const keys = loadKeyring(env);
  return keys ? createCodecDataConverter(keys) : undefined;
}
