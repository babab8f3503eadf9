/** A run asked for something its worker does not offer. Never retried: the same run asks again. */
export class CapabilityError extends Error {
  override readonly name = 'CapabilityError';
}
