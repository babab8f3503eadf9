/**
 * The run config by reference. A config is a few kilobytes, and a round schedules a dozen
 * activities: carried whole in each input it was most of a round's history. The run's prepare
 * activity stores it once, under its hash, and stage activities receive `configRef` instead; the
 * wrapper here loads it (once per worker and config) and hands the activity body the whole
 * config, so stage code, custom stages and the inputs stages record for rebuilding are unchanged.
 * Inputs that carry the config inline (rounds started by earlier releases) still work.
 */
import { createHash } from 'node:crypto';
import type { ArtifactRef, RunConfig } from '../src/contracts';
import type { ArtifactStore } from '../src/store/store';

/** An activity input that names its run config: inline, or as a reference to the stored copy. */
export type WithConfigRef<I extends { config: RunConfig }> = Omit<I, 'config'> &
  ({ config: RunConfig; configRef?: undefined } | { configRef: ArtifactRef; config?: undefined });

/** Where a run's config is stored: its namespace, then the hash of its JSON. */
function configKey(runKey: string, json: string): string {
  const sha = createHash('sha256').update(json).digest('hex');
  return `runs/${runKey}/config/${sha.slice(0, 32)}.jsonl`;
}

/**
 * Stores `config` in the run's namespace (once: the key is its hash, so committing it again is a
 * no-op, and one that was found corrupt is written again with the same bytes).
 */
export async function commitRunConfig(
  store: ArtifactStore,
  runKey: string,
  config: RunConfig,
): Promise<ArtifactRef> {
  return store.commitJsonl(configKey(runKey, JSON.stringify(config)), [config]);
}

/** Configs loaded by this worker, by sha256; runs are few, so the oldest goes past this many. */
const CACHE_LIMIT = 64;

/**
 * Wraps an activity whose body needs `input.config` so it also accepts `configRef`. The reference
 * is checked against the stored bytes like any artifact; a config that cannot be read fails the
 * attempt with a message saying what to do (the run's prepare step stores it again on resume).
 */
export function configLoader(store: ArtifactStore) {
  const cache = new Map<string, RunConfig>();
  const load = async (ref: ArtifactRef): Promise<RunConfig> => {
    const cached = cache.get(ref.sha256);
    if (cached) return cached;
    let config: RunConfig | undefined;
    try {
      [config] = await store.readJsonl<RunConfig>(ref);
    } catch (err) {
      throw new Error(
        `the run config ${ref.uri} cannot be read from this worker's artifact store (${(err as Error).message}); ` +
          'every worker of a run must share its store. If it was lost, `rlaif resume <workflowId>` stores it again',
        { cause: err },
      );
    }
    if (!config) throw new Error(`the run config ${ref.uri} is empty in this worker's artifact store`);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(ref.sha256, config);
    return config;
  };
  return function withConfig<I extends { config: RunConfig }, O>(
    run: (input: I) => Promise<O>,
  ): (input: WithConfigRef<I>) => Promise<O> {
    return async (input) => {
      if (input.config !== undefined) return run(input as unknown as I);
      const { configRef, ...rest } = input;
      return run({ ...rest, config: await load(configRef) } as unknown as I);
    };
  };
}
