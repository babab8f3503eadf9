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
export function keyOfRef(ref: ArtifactRef): string {
  if (!ref.uri.startsWith('store:')) throw new Error(`not an artifact-store reference: ${ref.uri}`);
  return ref.uri.slice('store:'.length);
}

/** The deterministic key of a stage's output: run, round, stage, batch. */
export function stageKey(runKey: string, round: number, stageId: string, name: string): string {
  return `runs/${runKey}/round-${String(round).padStart(4, '0')}/${stageId}/${name}`;
}
