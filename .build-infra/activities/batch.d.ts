/**
 * A resumable batch: its finished rows are appended to a partial file as they come, and the
 * heartbeat says how many. A retried attempt keeps those rows and computes only the rest, so a
 * crash mid-batch loses at most the rows since the last heartbeat. The whole batch is then
 * committed once under its deterministic key.
 */
import type { ArtifactRef } from '../src/store/artifact';
import type { LocalArtifactStore } from '../src/store/local-store';
export interface ResumableBatch<T> {
    store: LocalArtifactStore;
    key: string;
    /** Rows the finished batch will hold. */
    total: number;
    /**
     * Computes the rows after the first `skip`, calling `emit` with each finished group in order.
     */
    compute: (skip: number, emit: (rows: T[]) => Promise<void>) => Promise<void>;
}
export declare function runResumableBatch<T>(batch: ResumableBatch<T>): Promise<{
    ref: ArtifactRef;
    rows: T[];
}>;
