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

  /** The run's checkpoint file, or undefined when it is missing or unreadable (torn, edited). */
  async function checkpointFile(runKey: string): Promise<RunCheckpoint | undefined> {
    const cp = await store.readJson<RunCheckpoint>(checkpointKey(runKey)).catch(() => undefined);
    return cp && typeof cp.round === 'number' && Array.isArray(cp.history) ? cp : undefined;
  }

  /**
   * The newest checkpoint: the run's file, unless a round checkpoint committed after it is newer
   * or the file is unreadable. Round checkpoints are checksummed: a corrupt one is quarantined by
   * the read and the one before it is used; the rounds after it are then run again and find
   * their committed batches, so a lost checkpoint costs bookkeeping, not work.
   */
  async function loadCheckpoint(input: { runKey: string }): Promise<RunCheckpoint | null> {
    return classified(async () => {
      const file = await checkpointFile(input.runKey);
      const kept = await store.listCommitted(`runs/${input.runKey}/checkpoints`);
      for (const key of kept.reverse()) {
        const cp = await store.readFirstRow<RunCheckpoint>(key);
        if (!cp) continue;
        return file && file.round >= cp.round ? file : cp;
      }
      return file ?? null;
    });
  }

  /**
   * Saves a checkpoint unless a later round is already saved (a replayed or late save). Each
   * round's checkpoint is also kept, committed once, so a rerun can start after any round.
   */
  async function saveCheckpoint(checkpoint: RunCheckpoint): Promise<void> {
    return classified(async () => {
      const kept = roundCheckpointKey(checkpoint.runKey, checkpoint.round);
      if (!(await store.get(kept))) await store.commitJsonl(kept, [checkpoint]);
      const current = await checkpointFile(checkpoint.runKey);
      if (current && current.round >= checkpoint.round) return;
      await store.writeJson(checkpointKey(checkpoint.runKey), checkpoint);
    });
  }

  return { loadCheckpoint, saveCheckpoint };
}
