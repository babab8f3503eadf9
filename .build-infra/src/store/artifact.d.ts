/**
 * A claim check: what workflows carry instead of data. `uri` names an object in the artifact
 * store (`store:<key>`), `sha256` lets every reader verify what it got, `count` is the number of
 * rows, so figures can be checked without reading the data.
 */
export interface ArtifactRef {
    uri: string;
    sha256: string;
    count: number;
    bytes: number;
}
/** The store key of a reference (`store:runs/x/...` → `runs/x/...`). */
export declare function keyOfRef(ref: ArtifactRef): string;
/** The deterministic key of a stage's output: run, round, stage, batch. */
export declare function stageKey(runKey: string, round: number, stageId: string, name: string): string;
