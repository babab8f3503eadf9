/**
 * A whole Payload (its metadata and data) as bytes and back, so a codec can wrap it in a new
 * payload whose only clear metadata is its own encoding: the inner encoding (json/plain, ...)
 * is compressed and encrypted with the data, as Temporal's codec guidance recommends.
 */
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

const PayloadMessage = temporal.api.common.v1.Payload;

/** The protobuf bytes of a payload. */
export function payloadToBytes(payload: Payload): Uint8Array {
  return PayloadMessage.encode(payload).finish();
}

/** The payload encoded in `bytes`; throws if they are not a Payload message. */
export function payloadFromBytes(bytes: Uint8Array): Payload {
  return PayloadMessage.decode(bytes);
}

/** The `encoding` metadata of a payload as text ('' when absent). */
export function encodingOf(payload: Payload): string {
  const raw = payload.metadata?.encoding;
  return raw ? Buffer.from(raw).toString('utf8') : '';
}

/** Metadata values are bytes on the wire. */
export function metadataValue(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}
