/**
 * `rlaif rerun <id> --from-round N`: a run recomputed from round N in a new namespace, with the
 * worker code of today. What came before round N is still valid and is reused by reference:
 * committed artifacts never change, so the new run reads the old run's prepared data and the
 * checkpoint its round N-1 left, and computes rounds N onward itself.
 */
import { ConfigError } from '../config/errors';
import type { RunConfig } from '../config/schema';
import type { PreparedRun, RunCheckpoint } from '../contracts';
import type { ArtifactStore } from '../store/store';

export const checkpointKey = (runKey: string) => `runs/${runKey}/checkpoint.json`;
/** The checkpoint each round leaves, kept for reruns (the run's own checkpoint is only the latest). */
export const roundCheckpointKey = (runKey: string, round: number) =>
  `runs/${runKey}/checkpoints/round-${String(round).padStart(4, '0')}.jsonl`;
export const preparedKey = (runKey: string) => `runs/${runKey}/prepare/result.json`;

/** The checkpoint run `runKey` left after `round`, or undefined. */
async function checkpointAfter(
  store: ArtifactStore,
  runKey: string,
  round: number,
): Promise<RunCheckpoint | undefined> {
  const kept = await store.get(roundCheckpointKey(runKey, round));
  if (kept) return (await store.readJsonl<RunCheckpoint>(kept))[0];
  // Runs recorded before rounds kept their checkpoints have only the latest.
  const latest = await store.readJson<RunCheckpoint>(checkpointKey(runKey));
  return latest?.round === round ? latest : undefined;
}

/**
 * Seeds the namespace `runKey` of a rerun with what the old run made before `fromRound`: its
 * prepared data and its checkpoint after round `fromRound - 1`. Idempotent: the prepared result,
 * committed last, marks a namespace already seeded. A rerun from round 1 reuses nothing.
 */
export async function seedRerun(store: ArtifactStore, runKey: string, config: RunConfig): Promise<void> {
  const from = config.rerunOf;
  if (!from || from.fromRound <= 1 || (await store.get(preparedKey(runKey)))) return;
  const prepared = await store.get(preparedKey(from.runKey));
  if (!prepared) {
    throw new ConfigError(
      `rerunOf.runKey: run key "${from.runKey}" holds no prepared run in this store, so nothing before round ${from.fromRound} can be reused; rerun from round 1`,
    );
  }
  const before = from.fromRound - 1;
  const checkpoint = await checkpointAfter(store, from.runKey, before);
  if (!checkpoint) {
    const latest = (await store.readJson<RunCheckpoint>(checkpointKey(from.runKey)))?.round ?? 0;
    throw new ConfigError(
      `rerunOf.fromRound: run key "${from.runKey}" kept no checkpoint of round ${before} (its last finished round is ${latest}); ` +
        `rerun from round 1${latest > 0 ? ` or from round ${latest + 1}` : ''}`,
    );
  }
  await store.writeJson(checkpointKey(runKey), { ...checkpoint, runKey });
  await store.commitJsonl(preparedKey(runKey), [(await store.readJsonl<PreparedRun>(prepared))[0]]);
}
