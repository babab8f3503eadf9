/**
 * Time per stage from a round workflow's history: each activity's scheduled and closed events
 * carry server timestamps, and its input names the stage. The run records no stage times of its
 * own for finished rounds, and the history is the authoritative record of when work happened.
 */
import type { temporal } from '@temporalio/proto';
import { ACTIVITY_PREFIX } from '../contracts';
import type { StageTime } from './types';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Payloads = temporal.api.common.v1.IPayloads;

/** Reads the stage id from an activity's input (its first argument); undefined if it names none. */
export type StageOfInput = (input: Payloads | null | undefined) => Promise<string | undefined>;

/** Milliseconds of a protobuf timestamp, whose seconds may be a Long, a number or a string. */
function msOf(ts: HistoryEvent['eventTime']): number {
  const seconds = ts?.seconds;
  const s = typeof seconds === 'object' && seconds !== null ? seconds.toNumber() : Number(seconds ?? 0);
  return s * 1000 + (ts?.nanos ?? 0) / 1e6;
}

interface Scheduled {
  stage: string;
  scheduledAt: number;
  closedAt?: number;
  attempts: number;
}

/** Stage times of one round from its history; activities still open are left out. */
export async function stageTimesOf(
  round: number,
  events: HistoryEvent[],
  stageOf: StageOfInput,
): Promise<StageTime[]> {
  const activities = new Map<string, Scheduled>();
  const byScheduledId = (id: unknown) => activities.get(String(id));
  for (const event of events) {
    const at = msOf(event.eventTime);
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const type = scheduled.activityType?.name ?? 'activity';
      const stage =
        (await stageOf(scheduled.input)) ??
        (type.startsWith(ACTIVITY_PREFIX) ? type.slice(ACTIVITY_PREFIX.length) : type);
      activities.set(String(event.eventId), { stage, scheduledAt: at, attempts: 0 });
      continue;
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      // Only the last attempt's start is recorded; its attempt number counts the retries.
      const a = byScheduledId(started.scheduledEventId);
      if (a) a.attempts = started.attempt ?? 1;
      continue;
    }
    const closed =
      event.activityTaskCompletedEventAttributes ??
      event.activityTaskFailedEventAttributes ??
      event.activityTaskTimedOutEventAttributes ??
      event.activityTaskCanceledEventAttributes;
    if (closed) {
      const a = byScheduledId(closed.scheduledEventId);
      if (a) a.closedAt = at;
    }
  }
  const byStage = new Map<string, Scheduled[]>();
  for (const a of activities.values()) {
    if (a.closedAt === undefined) continue;
    byStage.set(a.stage, [...(byStage.get(a.stage) ?? []), a]);
  }
  return [...byStage].map(([stage, list]) => {
    const start = Math.min(...list.map((a) => a.scheduledAt));
    const end = Math.max(...list.map((a) => a.closedAt as number));
    return {
      round,
      stage,
      startedAt: new Date(start).toISOString(),
      seconds: Math.round(end - start) / 1000,
      activities: list.length,
      attempts: list.reduce((s, a) => s + Math.max(1, a.attempts), 0),
    };
  });
}
