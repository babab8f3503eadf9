/**
 * A policy that exists only as a model an endpoint serves (a fine-tuned model's name), not as a
 * checkpoint in the store. The run still passes it around as an artifact: a small JSON record
 * under a key ending in `.served.json`, so the board, checkpoints and history stay the same shape
 * whichever kind of policy a run has.
 */
import type { ArtifactRef } from '../contracts';
import type { ArtifactStore } from '../store/store';

const SUFFIX = '.served.json';

/** What a served policy records. */
export interface ServedPolicy {
  /** The model name to send to the generation endpoint. */
  model: string;
  /** The fine-tuning job that made it, if one did. */
  jobId?: string;
}

/** Whether `ref` is a served policy (rather than an ONNX checkpoint). */
export function isServedPolicy(ref: ArtifactRef): boolean {
  return ref.uri.endsWith(SUFFIX);
}

/** Commits a served policy under `keyBase` + `.served.json`. */
export function commitServedPolicy(
  store: ArtifactStore,
  keyBase: string,
  policy: ServedPolicy,
): Promise<ArtifactRef> {
  return store.commitJsonl(`${keyBase}${SUFFIX}`, [policy]);
}

/** The served policy `ref` records. */
export async function readServedPolicy(store: ArtifactStore, ref: ArtifactRef): Promise<ServedPolicy> {
  if (!isServedPolicy(ref)) throw new Error(`${ref.uri} is a policy checkpoint, not a served model`);
  const [policy] = await store.readJsonl<ServedPolicy>(ref);
  if (!policy?.model) throw new Error(`${ref.uri}: no model name`);
  return policy;
}

/**
 * The model name for a generation endpoint whose configured model may hold `{policy}`: a served
 * policy's model name, or a checkpoint's store URI (for servers that load checkpoints by name).
 */
export async function policyModelName(
  store: ArtifactStore,
  configured: string,
  policy: ArtifactRef,
): Promise<string> {
  if (!configured.includes('{policy}')) return configured;
  const name = isServedPolicy(policy) ? (await readServedPolicy(store, policy)).model : policy.uri;
  return configured.replace('{policy}', name);
}
