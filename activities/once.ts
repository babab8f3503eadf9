/**
 * Exactly-once stage results. A stage's result (its artifact references and metrics) is
 * committed under a deterministic key after its artifacts; a retried or resumed activity that
 * finds it returns it without computing anything.
 */
import type { ArtifactRef, StageOutput } from '../src/contracts';
import { keyOfRef } from '../src/store/artifact';
import type { LocalArtifactStore } from '../src/store/local-store';

/** Whether every artifact a committed result names is still committed (none was quarantined as corrupt). */
async function artifactsCommitted(store: LocalArtifactStore, output: StageOutput): Promise<boolean> {
  const refs = Object.values(output.artifacts).flatMap((v) =>
    (v === undefined ? [] : [v as ArtifactRef | ArtifactRef[]]).flat(),
  );
  for (const ref of refs) if (!(await store.get(keyOfRef(ref)))) return false;
  return true;
}

export async function onceOnly(
  store: LocalArtifactStore,
  resultKey: string,
  compute: () => Promise<StageOutput>,
): Promise<StageOutput> {
  const committed = await store.get(resultKey);
  if (committed) {
    const [output] = await store.readJsonl<StageOutput>(committed);
    // A result whose artifact was found corrupt is recomputed: its batches re-commit the same bytes.
    if (output && (await artifactsCommitted(store, output))) return output;
  }
  const output = await compute();
  await store.commitJsonl(resultKey, [output]);
  return output;
}
