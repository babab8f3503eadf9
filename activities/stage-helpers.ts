/** Small helpers shared by the stage activities. */
import type { ArtifactRef, StageInput } from '../src/contracts';

/** The batch's file stem: `batch-0003-of-0008`, or `all` for unbatched stages. */
export function batchName(input: StageInput): string {
  if (!input.batch) return 'all';
  const pad = (n: number) => String(n).padStart(4, '0');
  return `batch-${pad(input.batch.index)}-of-${pad(input.batch.count)}`;
}

/** The rows of `items` that belong to this batch (contiguous, near-equal slices). */
export function batchSlice<T>(items: readonly T[], input: StageInput): T[] {
  if (!input.batch) return items.slice();
  const { index, count } = input.batch;
  const start = Math.floor((index * items.length) / count);
  const end = Math.floor(((index + 1) * items.length) / count);
  return items.slice(start, end);
}

/** The artifact a stage needs, or a permanent error naming it (a DAG without its producer). */
export function requireArtifact<T extends ArtifactRef | ArtifactRef[]>(
  value: T | undefined,
  name: string,
): T {
  if (value === undefined) {
    const err = new Error(
      `this stage needs the "${name}" artifact, but no earlier stage of the round produced it`,
    );
    err.name = 'ConfigError';
    throw err;
  }
  return value;
}
