/**
 * Payloads in the JSON of Temporal's remote codec protocol: `{payloads: [{metadata: {k: base64},
 * data: base64}]}`, proto3 JSON, so every metadata value and the data are base64 strings.
 */
import type { Payload } from '@temporalio/common';

/** One payload as JSON. */
export interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

/** A request body the server cannot use; the message names the field. */
export class BadPayloadsError extends Error {
  override readonly name = 'BadPayloadsError';
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function bytesOf(value: unknown, field: string): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value)) {
    throw new BadPayloadsError(`${field} must be a base64 string`);
  }
  return Buffer.from(value, 'base64');
}

/** The payloads of a request body, validated; throws `BadPayloadsError` naming the bad field. */
export function payloadsFromJson(body: unknown): Payload[] {
  const list = (body as { payloads?: unknown } | null)?.payloads;
  if (typeof body !== 'object' || body === null || !Array.isArray(list)) {
    throw new BadPayloadsError('the body must be a JSON object with a "payloads" array');
  }
  return list.map((item: unknown, i) => {
    if (typeof item !== 'object' || item === null)
      throw new BadPayloadsError(`payloads[${i}] must be an object`);
    const { metadata, data } = item as { metadata?: unknown; data?: unknown };
    if (
      metadata !== undefined &&
      (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
    ) {
      throw new BadPayloadsError(`payloads[${i}].metadata must be an object of base64 strings`);
    }
    const meta = Object.fromEntries(
      Object.entries((metadata ?? {}) as Record<string, unknown>).map(([k, v]) => [
        k,
        bytesOf(v, `payloads[${i}].metadata.${k}`),
      ]),
    );
    return {
      metadata: meta,
      data: data === undefined ? new Uint8Array() : bytesOf(data, `payloads[${i}].data`),
    };
  });
}

/** The JSON body for payloads. */
export function payloadsToJson(payloads: readonly Payload[]): { payloads: JsonPayload[] } {
  return {
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(
        Object.entries(p.metadata ?? {}).map(([k, v]) => [
          k,
          Buffer.from(v ?? new Uint8Array()).toString('base64'),
        ]),
      ),
      data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
    })),
  };
}
