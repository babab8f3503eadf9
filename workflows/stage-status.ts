/**
 * A stage's status as its reports arrive, kept the same way by a round and by its run, and which
 * stage an activity belongs to (by the stage registry). Not in definitions.ts: every function exported from there is
 * exported from the workflows entry point, where it would be registered as a workflow type.
 */
import type { StageSpec } from '../src/config/schema';
import { activitiesOfStage } from '../src/config/stage-types';
import type { StageStatus } from '../src/contracts';
import type { RunProgress, StageProgress } from './definitions';

/**
 * The id of the stage that runs `activity`, when exactly one of `stages` does. A failed round
 * names its activity but not its stage, and the run may not have heard of the stage yet: progress
 * reports are paced, and a stage that fails at once dies with its held report.
 */
export function stageOfActivity(stages: readonly StageSpec[], activity: string): string | undefined {
  const matching = stages.filter((s) => activitiesOfStage(s).includes(activity));
  return matching.length === 1 ? matching[0]?.id : undefined;
}

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

/**
 * A run's progress with its running round's live stages (the round's `roundProgress` answer):
 * the run itself says only that a round runs. The current stage is the latest one not finished
 * (the last one when all are), so the view never moves back to a stage that has ended.
 */
export function withRoundStages(p: RunProgress, stages: readonly StageStatus[]): RunProgress {
  const current = [...stages].reverse().find((s) => s.finishedAt === undefined) ?? stages[stages.length - 1];
  if (!current) return p;
  return {
    ...p,
    stages: [...stages],
    stage: current.stage,
    batchesDone: current.batchesDone,
    batchesTotal: current.batchesTotal,
  };
}
