/** Errors every artifact store raises, checked by name across processes and the workflow sandbox. */
import type { ArtifactRef } from './artifact';

/**
 * Raised when stored bytes do not match their manifest, or a reference's object is no longer
 * committed (taken out as corrupt by an earlier reader): the producer must recompute. `ref` is
 * the reference that was read, when a read raised it.
 */
export class ArtifactCorruptError extends Error {
  override readonly name = 'ArtifactCorruptError';
  constructor(
    message: string,
    readonly ref?: ArtifactRef,
  ) {
    super(message);
  }
}

/**
 * Raised when an object found corrupt is recomputed to other bytes (a producer that is not
 * deterministic, such as an endpoint's sampling, or an input that changed): the references the
 * run holds expect the old bytes, so no retry can help; recompute from an earlier round.
 */
export class ArtifactNotReproducibleError extends Error {
  override readonly name = 'ArtifactNotReproducibleError';
}

/**
 * Raised when the store's disk refuses a write (full, read-only, quota). Retryable: once a person
 * frees space or remounts the disk, the activity's next attempt goes on; committed objects are
 * untouched because every write goes to a temporary name first.
 */
export class ArtifactStoreUnwritableError extends Error {
  override readonly name = 'ArtifactStoreUnwritableError';
}
