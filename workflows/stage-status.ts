/**
 * A stage's status as its reports arrive, kept the same way by a round and by its run. Not in
 * definitions.ts: every function exported from there is exported from the workflows entry point,
 * where it would be registered as a workflow type.
 */
import type { StageStatus } from '../src/contracts';
import type { StageProgress } from './definitions';

/**
 * `status` (undefined for a stage not seen yet) after report `p`, updated in place. Batches of one
 * stage report concurrently and may arrive out of order, so batches done only grow; times are the
 * report's own workflow times when it carries them, else `now`.
 */
export function advanceStage(status: StageStatus | undefined, p: StageProgress, now: number): StageStatus {
  const s = status ?? {
    stage: p.stage,
    batchesDone: 0,
    batchesTotal: p.batchesTotal,
    startedAt: p.startedAt ?? now,
  };
  s.batchesDone = Math.max(s.batchesDone, p.batchesDone);
  s.batchesTotal = p.batchesTotal;
  if (s.batchesTotal > 0 && s.batchesDone >= s.batchesTotal) s.finishedAt ??= p.at ?? now;
  return s;
}
