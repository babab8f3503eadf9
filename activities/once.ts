/**
 * Exactly-once stage results. A stage's result (its artifact references and metrics) is
 * committed under a deterministic key after its artifacts; a retried or resumed activity that
 * finds it returns it without computing anything.
 */
import type { ArtifactRef, StageOutput } from '../src/contracts';
import { keyOfRef } from '../src/store/artifact';
import type { ArtifactStore } from '../src/store/store';

/** Whether every artifact a committed result names is still committed (none was quarantined as corrupt). */
async function artifactsCommitted(store: ArtifactStore, output: StageOutput): Promise<boolean> {
  const refs = Object.values(output.artifacts).flatMap((v) =>
    (v === undefined ? [] : [v as ArtifactRef | ArtifactRef[]]).flat(),
  );
  for (const ref of refs) if (!(await store.get(keyOfRef(ref)))) return false;
  return true;
}

function corruptAsNone(err: unknown): StageOutput[] {
  if (err instanceof Error && err.name === 'ArtifactCorruptError') return [];
  throw err;
}

export async function onceOnly(
  store: ArtifactStore,
  resultKey: string,
  compute: () => Promise<StageOutput>,
): Promise<StageOutput> {
  const committed = await store.get(resultKey);
  // A result found corrupt itself reads as not committed (the read takes it out).
  const [kept] = committed ? await store.readJsonl<StageOutput>(committed).catch(corruptAsNone) : [];
  // A result whose artifact was found corrupt is recomputed: its batches re-commit the same bytes.
  if (kept && (await artifactsCommitted(store, kept))) return kept;
  const output = await compute();
  try {
    // Another attempt may have committed first: return what every reader sees.
    return (await store.commitRows(resultKey, [output])).rows[0] as StageOutput;
  } catch (err) {
    // The result record was lost to corruption and its metrics (times, say) came out otherwise:
    // the stage's artifacts, which others hold references to, are what had to come out the same.
    if (err instanceof Error && err.name === 'ArtifactNotReproducibleError') return output;
    throw err;
  }
}
