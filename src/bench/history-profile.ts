/**
 * Where a Temporal run's wall time goes, read from its event history: per activity type, the time
 * tasks waited in the queue (scheduled → started), ran (started → closed) and the span from the
 * first schedule to the last close; and the time workflow tasks took (scheduled → completed),
 * which is the orchestration's own overhead between activities.
 */
import type { temporal } from '@temporalio/proto';
import { tsToMs } from '@temporalio/common/lib/time';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Times of one activity type in one history, milliseconds. */
export interface ActivityProfile {
  count: number;
  /** Sum over activities of scheduled → started of the last attempt (queue wait). */
  queueMs: number;
  /** Sum over activities of started → closed (run time on the worker). */
  runMs: number;
  /** First scheduled → last closed. */
  spanMs: number;
}

/** The profile of one workflow history. */
export interface HistoryProfile {
  /** First event → last event. */
  wallMs: number;
  activities: Record<string, ActivityProfile>;
  /** Workflow tasks: how many, and the sum of their scheduled → completed times. */
  workflowTasks: { count: number; ms: number };
}

const num = (v: unknown): number => Number(v ?? 0);

/** Profiles the events of one workflow history. */
export function profileHistory(events: readonly HistoryEvent[]): HistoryProfile {
  const at = (e: HistoryEvent) => tsToMs(e.eventTime);
  const scheduled = new Map<number, { type: string; at: number }>();
  const started = new Map<number, number>();
  const activities: Record<string, ActivityProfile & { first: number; last: number }> = {};
  const wfScheduled = new Map<number, number>();
  const workflowTasks = { count: 0, ms: 0 };
  for (const e of events) {
    const id = num(e.eventId);
    if (e.activityTaskScheduledEventAttributes) {
      const type = e.activityTaskScheduledEventAttributes.activityType?.name ?? 'unknown';
      scheduled.set(id, { type, at: at(e) });
    } else if (e.activityTaskStartedEventAttributes) {
      started.set(num(e.activityTaskStartedEventAttributes.scheduledEventId), at(e));
    } else {
      const closed =
        e.activityTaskCompletedEventAttributes ??
        e.activityTaskFailedEventAttributes ??
        e.activityTaskTimedOutEventAttributes ??
        e.activityTaskCanceledEventAttributes;
      if (closed) {
        const sid = num(closed.scheduledEventId);
        const s = scheduled.get(sid);
        if (!s) continue;
        const startAt = started.get(sid) ?? at(e);
        const p = (activities[s.type] ??= {
          count: 0,
          queueMs: 0,
          runMs: 0,
          spanMs: 0,
          first: s.at,
          last: 0,
        });
        p.count++;
        p.queueMs += startAt - s.at;
        p.runMs += at(e) - startAt;
        p.first = Math.min(p.first, s.at);
        p.last = Math.max(p.last, at(e));
        p.spanMs = p.last - p.first;
      }
    }
    if (e.workflowTaskScheduledEventAttributes) wfScheduled.set(id, at(e));
    if (e.workflowTaskCompletedEventAttributes) {
      const from = wfScheduled.get(num(e.workflowTaskCompletedEventAttributes.scheduledEventId));
      if (from !== undefined) {
        workflowTasks.count++;
        workflowTasks.ms += at(e) - from;
      }
    }
  }
  const first = events[0];
  const last = events[events.length - 1];
  const out: Record<string, ActivityProfile> = {};
  for (const [type, { count, queueMs, runMs, spanMs }] of Object.entries(activities))
    out[type] = { count, queueMs, runMs, spanMs };
  return {
    wallMs: first && last ? at(last) - at(first) : 0,
    activities: out,
    workflowTasks,
  };
}

/** Adds profiles (of several rounds) together. */
export function sumProfiles(profiles: readonly HistoryProfile[]): HistoryProfile {
  const total: HistoryProfile = { wallMs: 0, activities: {}, workflowTasks: { count: 0, ms: 0 } };
  for (const p of profiles) {
    total.wallMs += p.wallMs;
    total.workflowTasks.count += p.workflowTasks.count;
    total.workflowTasks.ms += p.workflowTasks.ms;
    for (const [type, a] of Object.entries(p.activities)) {
      const t = (total.activities[type] ??= { count: 0, queueMs: 0, runMs: 0, spanMs: 0 });
      t.count += a.count;
      t.queueMs += a.queueMs;
      t.runMs += a.runMs;
      t.spanMs += a.spanMs;
    }
  }
  return total;
}
