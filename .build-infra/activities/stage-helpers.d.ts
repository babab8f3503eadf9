/** Small helpers shared by the stage activities. */
import type { ArtifactRef, StageInput } from '../src/contracts';
/** The batch's file stem: `batch-0003-of-0008`, or `all` for unbatched stages. */
export declare function batchName(input: StageInput): string;
/** The rows of `items` that belong to this batch (contiguous, near-equal slices). */
export declare function batchSlice<T>(items: readonly T[], input: StageInput): T[];
/** The artifact a stage needs, or a permanent error naming it (a DAG without its producer). */
export declare function requireArtifact<T extends ArtifactRef | ArtifactRef[]>(value: T | undefined, name: string): T;
