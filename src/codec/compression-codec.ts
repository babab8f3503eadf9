/**
 * Gzip compression of whole payloads. Runs before encryption (ciphertext does not compress), and
 * only keeps the compressed form when it is smaller: small payloads would grow by gzip's header.
 */
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { CodecError } from './errors';
import { encodingOf, metadataValue, payloadFromBytes, payloadToBytes } from './payload-bytes';

export const GZIP_ENCODING = 'binary/gzip';

/** Decompressed payloads larger than this are refused: a tiny gzip bomb must not fill memory. */
export const MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Compresses each payload with gzip when that makes it smaller; decompresses `binary/gzip` ones. */
export class CompressionCodec implements PayloadCodec {
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
    return Promise.all(
      payloads.map(async (payload) => {
        if (encodingOf(payload) !== GZIP_ENCODING) return payload;
        try {
          const raw = await gunzipAsync(payload.data ?? new Uint8Array(), {
            maxOutputLength: MAX_DECOMPRESSED_BYTES,
          });
          return payloadFromBytes(raw);
        } catch (err) {
          throw new CodecError(
            `a ${GZIP_ENCODING} payload could not be decompressed: ${(err as Error).message}`,
          );
        }
      }),
    );
  }
}
