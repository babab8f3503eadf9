/**
 * Gzip compression of whole payloads. Runs before encryption (ciphertext does not compress), and
 * only keeps the compressed form when it is smaller: small payloads would grow by gzip's header.
 */
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { CodecError, InflateBudgetError } from './errors';
import { encodingOf, metadataValue, payloadFromBytes, payloadToBytes } from './payload-bytes';

export const GZIP_ENCODING = 'binary/gzip';

/**
 * Default budget of one decode call: all its payloads together inflate to at most this much, so
 * a small body of gzip bombs (one codec server request is one call) cannot fill memory.
 */
export const MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

/** Options of `CompressionCodec`. */
export interface CompressionCodecOptions {
  /** Bytes all payloads of one decode call may inflate to together; default 64 MiB. */
  readonly maxInflatedBytes?: number;
}

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Compresses each payload with gzip when that makes it smaller; decompresses `binary/gzip` ones. */
export class CompressionCodec implements PayloadCodec {
  private readonly budget: number;

  constructor(options: CompressionCodecOptions = {}) {
    this.budget = options.maxInflatedBytes ?? MAX_DECOMPRESSED_BYTES;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(
      payloads.map(async (payload) => {
        const raw = payloadToBytes(payload);
        const packed = await gzipAsync(raw);
        if (packed.length >= raw.length) return payload;
        return { metadata: { encoding: metadataValue(GZIP_ENCODING) }, data: packed };
      }),
    );
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    // One at a time, each allowed only what is left: inflated in parallel, every payload could
    // reach the whole budget before any was counted. zlib stops at maxOutputLength, mid-stream.
    let left = this.budget;
    const out: Payload[] = [];
    for (const payload of payloads) {
      if (encodingOf(payload) !== GZIP_ENCODING) {
        out.push(payload);
        continue;
      }
      if (left <= 0) throw new InflateBudgetError(this.budget);
      const raw = await this.inflate(payload.data ?? new Uint8Array(), left);
      left -= raw.length;
      out.push(this.unwrap(raw));
    }
    return out;
  }

  private async inflate(data: Uint8Array, maxOutputLength: number): Promise<Buffer> {
    try {
      return await gunzipAsync(data, { maxOutputLength });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
        throw new InflateBudgetError(this.budget);
      throw this.unreadable(err);
    }
  }

  private unwrap(raw: Uint8Array): Payload {
    try {
      return payloadFromBytes(raw);
    } catch (err) {
      throw this.unreadable(err);
    }
  }

  private unreadable(err: unknown): CodecError {
    return new CodecError(`a ${GZIP_ENCODING} payload could not be decompressed: ${(err as Error).message}`);
  }
}
