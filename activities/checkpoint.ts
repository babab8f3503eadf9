/**
 * The run checkpoint: what the last completed round left (policy, preference pool, metrics).
 * `rlaif resume` starts a new execution on the same run key, which loads it and goes on from
 * the next round; batches of an unfinished round are found committed and not redone.
 */
import type { RunCheckpoint } from '../src/contracts';
import { checkpointKey, roundCheckpointKey } from '../src/run/rerun';
import { classified } from './context';
import type { ActivityDeps } from './deps';

export function createCheckpointActivities(deps: ActivityDeps) {
  const { store } = deps;

  async function loadCheckpoint(input: { runKey: string }): Promise<RunCheckpoint | null> {
    return classified(async () => (await store.readJson<RunCheckpoint>(checkpointKey(input.runKey))) ?? null);
  }

  /**
   * Saves a checkpoint unless a later round is already saved (a replayed or late save). Each
   * round's checkpoint is also kept, committed once, so a rerun can start after any round.
   */
  async function saveCheckpoint(checkpoint: RunCheckpoint): Promise<void> {
    return classified(async () => {
      const kept = roundCheckpointKey(checkpoint.runKey, checkpoint.round);
      if (!(await store.get(kept))) await store.commitJsonl(kept, [checkpoint]);
      const current = await store.readJson<RunCheckpoint>(checkpointKey(checkpoint.runKey));
      if (current && current.round >= checkpoint.round) return;
      await store.writeJson(checkpointKey(checkpoint.runKey), checkpoint);
    });
  }

  return { loadCheckpoint, saveCheckpoint };
}
