/**
 * Binds a run's artifact namespace to the config that made it. The first run under a run key
 * records its fingerprint there; every later execution under that key (a resume, a
 * continue-as-new, the same workflow id started again) must carry the same fingerprint, or it
 * fails before reading or writing anything else of the namespace.
 */
import { ConfigError } from '../config/errors';
import type { RunConfig } from '../config/schema';
import type { ArtifactStore } from '../store/store';
import { differingFields, resultDecidingPart, runFingerprint } from './fingerprint';

/** What a namespace records about the config that made it. */
interface RunIdentity {
  fingerprint: string;
  config: Record<string, unknown>;
}

const identityKey = (runKey: string) => `runs/${runKey}/identity.jsonl`;

/**
 * Checks `config` against the fingerprint recorded under `runKey`, if any, without writing, so a
 * run that then fails its input checks leaves no trace in the store. Throws a (non-retryable)
 * ConfigError naming both fingerprints, the fields that differ and the ways out.
 */
export async function checkRunKey(store: ArtifactStore, runKey: string, config: RunConfig): Promise<void> {
  const found = await store.get(identityKey(runKey));
  const recorded = found ? (await store.readJsonl<RunIdentity>(found))[0] : undefined;
  if (recorded) refuseAnother(runKey, recorded, config);
}

/**
 * Records `config`'s fingerprint under `runKey` (a namespace written by a release that recorded
 * none adopts it), or checks it against the one another execution recorded first.
 */
export async function bindRunKey(store: ArtifactStore, runKey: string, config: RunConfig): Promise<void> {
  const identity: RunIdentity = { fingerprint: runFingerprint(config), config: resultDecidingPart(config) };
  const [recorded] = (await store.commitRows(identityKey(runKey), [identity])).rows;
  if (recorded) refuseAnother(runKey, recorded, config);
}

function refuseAnother(runKey: string, recorded: RunIdentity, config: RunConfig): void {
  const fingerprint = runFingerprint(config);
  if (recorded.fingerprint === fingerprint) return;
  const fields = differingFields(recorded.config, resultDecidingPart(config));
  throw new ConfigError(
    `run key "${runKey}" already holds a run made by another config (fingerprint ${recorded.fingerprint}; ` +
      `this config's is ${fingerprint}; they differ in ${fields.join(', ') || 'their details'}). ` +
      'Reusing a workflow id or runKey with another config would mix two runs. Start this one under a new ' +
      'workflow id, or in a fresh namespace: `rlaif start --fresh` (with the Temporal CLI: set "runKey" to a new value); ' +
      'to recompute the old run with new worker code, use `rlaif rerun <workflowId> --from-round N`.',
  );
}
