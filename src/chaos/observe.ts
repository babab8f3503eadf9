/**
 * Where a run is, seen the way an operator sees it: the pending activities of its round
 * workflows (`<run id>-round-<n>`), their state and their last failure. The suite strikes when
 * the stage it wants has an activity started on a worker.
 */
import type { Client } from '@temporalio/client';
import { ACTIVITY_OF_STAGE, STAGES, type Stage } from './plan';

/** PENDING_ACTIVITY_STATE_STARTED in temporal.api.enums.v1.PendingActivityState. */
const STARTED = 2;

const STAGE_OF_ACTIVITY = new Map<string, Stage>(STAGES.map((s) => [ACTIVITY_OF_STAGE[s], s]));

export interface RoundView {
  closed: boolean;
  activities: Array<{ stage?: Stage; type: string; started: boolean; attempt: number; lastFailure?: string }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A round workflow's pending activities; undefined while it does not exist or the server is down. */
export function viewRound(client: Client, runId: string, round: number): Promise<RoundView | undefined> {
  return viewWorkflow(client, `${runId}-round-${round}`);
}

/** A workflow's pending activities; undefined while it does not exist or the server is down. */
async function viewWorkflow(client: Client, workflowId: string): Promise<RoundView | undefined> {
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    return {
      closed: d.status.name !== 'RUNNING',
      activities: (d.raw.pendingActivities ?? []).map((a) => {
        const type = a.activityType?.name ?? '';
        const stage = STAGE_OF_ACTIVITY.get(type);
        return {
          ...(stage ? { stage } : {}),
          type,
          started: Number(a.state) === STARTED,
          attempt: a.attempt ?? 1,
          ...(a.lastFailure?.message ? { lastFailure: a.lastFailure.message } : {}),
        };
      }),
    };
  } catch {
    // Not started yet, or the server is restarting: the caller polls again.
    return undefined;
  }
}

/**
 * Waits until an activity of `target.stage` in `target.round`, or of any later stage or round,
 * is running on a worker; returns where it found one, or undefined when the run has no rounds
 * left. A stage that ran entirely between two polls is thus struck at the next one.
 */
export async function waitForStage(
  client: Client,
  runId: string,
  target: { round: number; stage: Stage },
  rounds: number,
  isDone: () => boolean,
  timeoutMs = 120_000,
): Promise<{ round: number; stage: Stage } | undefined> {
  const deadline = Date.now() + timeoutMs;
  let round = target.round;
  while (!isDone()) {
    if (Date.now() > deadline)
      throw new Error(`chaos: no ${target.stage} activity of round ${target.round} seen`);
    const view = await viewRound(client, runId, round);
    if (view?.closed) {
      if (round >= rounds) return undefined;
      round++;
      continue;
    }
    const hit = view?.activities.find(
      (a) =>
        a.started &&
        a.stage !== undefined &&
        (round > target.round || STAGES.indexOf(a.stage) >= STAGES.indexOf(target.stage)),
    );
    if (hit?.stage) return { round, stage: hit.stage };
    await sleep(10);
  }
  return undefined;
}

/**
 * Waits for a pending activity of the run (its rounds' stages, or its own bookkeeping such as the
 * checkpoint) whose last failure matches `pattern`; returns that message, and the other failures
 * seen meanwhile (for a report that says why nothing matched).
 */
export async function waitForFailure(
  client: Client,
  runId: string,
  rounds: number,
  pattern: RegExp,
  timeoutMs: number,
): Promise<{ matched?: string; seen: string[] }> {
  const deadline = Date.now() + timeoutMs;
  const seen = new Set<string>();
  while (Date.now() < deadline) {
    const ids = [runId, ...Array.from({ length: rounds }, (_, i) => `${runId}-round-${i + 1}`)];
    for (const id of ids) {
      const view = await viewWorkflow(client, id);
      for (const a of view?.activities ?? []) {
        if (!a.lastFailure) continue;
        if (pattern.test(a.lastFailure)) return { matched: a.lastFailure, seen: [...seen] };
        seen.add(`${a.type} attempt ${a.attempt}: ${a.lastFailure.slice(0, 120)}`);
      }
    }
    await sleep(50);
  }
  return { seen: [...seen] };
}
