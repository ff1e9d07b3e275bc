/**
 * Reading a fetched workflow history: which activities ran (as activity tasks or
 * as local activities, whose only trace is a marker), and how many round trips of
 * each kind the server saw. Used by tests that count a step's executions and by
 * the benchmarks that profile one order or upgrade.
 */
import type { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;

/** The marker the SDK core records for each local activity it ran. */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

export interface ActivityRun {
  activityType: string;
  local: boolean;
}

/** The activity type of a local activity's marker event; null for any other event. */
export function localActivityTypeOf(event: temporal.api.history.v1.IHistoryEvent): string | null {
  const marker = event.markerRecordedEventAttributes;
  if (marker?.markerName !== LOCAL_ACTIVITY_MARKER) return null;
  // Core's own JSON (not a user payload, never encrypted): { activity_type, activity_id, ... }.
  const data = marker.details?.data?.payloads?.[0]?.data;
  const parsed = data ? (JSON.parse(Buffer.from(data).toString('utf8')) as unknown) : null;
  return parsed && typeof parsed === 'object' && 'activity_type' in parsed
    ? String(parsed.activity_type)
    : '';
}

/** Each activity the history scheduled (activity task) or recorded (local activity marker), in order. */
export function activityRuns(history: History): ActivityRun[] {
  const runs: ActivityRun[] = [];
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      runs.push({ activityType: scheduled.activityType?.name ?? '', local: false });
      continue;
    }
    const localType = localActivityTypeOf(event);
    if (localType !== null) runs.push({ activityType: localType, local: true });
  }
  return runs;
}

export interface HistoryProfile {
  events: number;
  workflowTasks: number;
  activityTasks: number;
  localActivities: number;
  timers: number;
  updates: number;
}

/** Round trips by kind: each workflow task and activity task is one dispatch through the server. */
export function profileHistory(history: History): HistoryProfile {
  const events = history.events ?? [];
  const runs = activityRuns(history);
  return {
    events: events.length,
    workflowTasks: events.filter((e) => e.workflowTaskCompletedEventAttributes).length,
    activityTasks: runs.filter((r) => !r.local).length,
    localActivities: runs.filter((r) => r.local).length,
    timers: events.filter((e) => e.timerStartedEventAttributes).length,
    updates: events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length,
  };
}
