/**
 * Binds a run's artifact namespace to the config that made it. The first run under a run key
 * records its fingerprint there; every later execution under that key (a resume, a
 * continue-as-new, the same workflow id started again) must carry the same fingerprint, or it
 * fails before reading or writing anything else of the namespace.
 */
import { ConfigError } from '../config/errors';
import type { RunConfig } from '../config/schema';
import type { LocalArtifactStore } from '../store/local-store';
import { differingFields, resultDecidingPart, runFingerprint } from './fingerprint';

/** What a namespace records about the config that made it. */
interface RunIdentity {
  fingerprint: string;
  config: Record<string, unknown>;
}

const identityKey = (runKey: string) => `runs/${runKey}/identity.jsonl`;

/**
 * Records `config`'s fingerprint under `runKey`, or checks it against the one recorded there.
 * Throws a (non-retryable) ConfigError naming both fingerprints, the fields that differ and the
 * ways out. A namespace written by a release that recorded no fingerprint adopts this one.
 */
export async function bindRunKey(
  store: LocalArtifactStore,
  runKey: string,
  config: RunConfig,
): Promise<string> {
  const fingerprint = runFingerprint(config);
  const key = identityKey(runKey);
  const found = await store.get(key);
  const recorded = found
    ? (await store.readJsonl<RunIdentity>(found))[0]
    : (
        await store.readJsonl<RunIdentity>(
          await store.commitJsonl(key, [{ fingerprint, config: resultDecidingPart(config) }]),
        )
      )[0];
  if (!recorded || recorded.fingerprint === fingerprint) return fingerprint;
  const fields = differingFields(recorded.config, resultDecidingPart(config));
  throw new ConfigError(
    `run key "${runKey}" already holds a run made by another config (fingerprint ${recorded.fingerprint}; ` +
      `this config's is ${fingerprint}; they differ in ${fields.join(', ') || 'their details'}). ` +
      'Reusing a workflow id or runKey with another config would mix two runs. Start this one under a new ' +
      'workflow id, or in a fresh namespace: `rlaif start --fresh` (with the Temporal CLI: set "runKey" to a new value); ' +
      'to recompute the old run with new worker code, use `rlaif rerun <workflowId> --from-round N`.',
  );
}
