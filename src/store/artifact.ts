import { seedFrom } from '../util/rng';

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

/**
 * The artifact namespace of a run started without `runKey`: its workflow id when that is a safe
 * path segment, else the id with unsafe characters replaced and a short hash of the original
 * appended (so two ids cannot collapse into one namespace).
 */
export function runKeyFor(workflowId: string): string {
  if (/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,119}$/.test(workflowId) && !workflowId.includes('..'))
    return workflowId;
  const safe = workflowId
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/\.{2,}/g, '_')
    .replace(/^[.]/, '_')
    .slice(0, 100);
  return `${safe}-${seedFrom(workflowId).toString(16).padStart(8, '0')}`;
}
