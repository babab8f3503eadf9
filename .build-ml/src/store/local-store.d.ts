import { type ArtifactRef } from './artifact';
/** Raised when stored bytes do not match their manifest: the producer must recompute. */
export declare class ArtifactCorruptError extends Error {
    readonly name = "ArtifactCorruptError";
}
/** One line of the commit log: who committed what, when. */
export interface CommitRecord {
    key: string;
    sha256: string;
    count: number;
    at: string;
}
export declare class LocalArtifactStore {
    readonly root: string;
    constructor(root: string);
    /** The file path of a key; rejects keys that could escape the root. */
    pathOf(key: string): string;
    private manifestPath;
    /** The committed reference at `key`, or undefined when nothing is committed there. */
    get(key: string): Promise<ArtifactRef | undefined>;
    private writeAtomic;
    /**
     * Commits bytes under `key` once. If the key is already committed, the stored reference is
     * returned and the new bytes are dropped (a retry that recomputed the same batch).
     */
    commitBytes(key: string, data: Uint8Array, count: number): Promise<ArtifactRef>;
    /** Commits rows as JSON Lines. */
    commitJsonl<T>(key: string, rows: readonly T[]): Promise<ArtifactRef>;
    /** Reads the bytes of a reference, verifying their checksum. */
    readBytes(ref: ArtifactRef): Promise<Buffer>;
    /** Reads JSON Lines rows of a reference, verifying checksum and row count. */
    readJsonl<T>(ref: ArtifactRef): Promise<T[]>;
    /** Reads all rows of several references, in order. */
    readAllJsonl<T>(refs: readonly ArtifactRef[]): Promise<T[]>;
    /**
     * Appends rows to the partial (uncommitted) file of a batch in progress. A resumed attempt
     * reads back only as many rows as its last heartbeat reported, so a torn append is ignored.
     */
    appendPartial<T>(key: string, rows: readonly T[]): Promise<void>;
    /** The first `count` complete rows of a batch's partial file (fewer if it has fewer). */
    readPartial<T>(key: string, count: number): Promise<T[]>;
    /** Starts a batch's partial file afresh, keeping only its first `count` rows. */
    resetPartial<T>(key: string, keep: readonly T[]): Promise<void>;
    /** Removes a batch's partial file once its output is committed. */
    clearPartial(key: string): Promise<void>;
    /** Every commit so far, for audits and tests ("each batch committed exactly once"). */
    commitLog(): Promise<CommitRecord[]>;
    /** Reads a small JSON document stored with `writeJson` (not an artifact: mutable state). */
    readJson<T>(key: string): Promise<T | undefined>;
    /** Atomically replaces a small JSON document (used for the run checkpoint). */
    writeJson(key: string, value: unknown): Promise<void>;
}
