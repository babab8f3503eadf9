/** Running payloads through a chain of codecs the way the SDK does: encode in order, decode in reverse. */
import type { Payload, PayloadCodec } from '@temporalio/common';

/** Encodes with each codec in turn (compression first, then encryption). */
export async function encodeWith(codecs: readonly PayloadCodec[], payloads: Payload[]): Promise<Payload[]> {
  let out = payloads;
  for (const codec of codecs) out = await codec.encode(out);
  return out;
}

/** Decodes with each codec from the last to the first. */
export async function decodeWith(codecs: readonly PayloadCodec[], payloads: Payload[]): Promise<Payload[]> {
  let out = payloads;
  for (const codec of [...codecs].reverse()) out = await codec.decode(out);
  return out;
}
