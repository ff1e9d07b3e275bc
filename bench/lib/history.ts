/**
 * One workflow's history as a timeline: each event's type and its time from the
 * first event, so a benchmark shows where one order or upgrade spends its time.
 */
import { temporal } from '@temporalio/proto';
import { localActivityTypeOf } from '../../test/support/history';
import type { Row } from './report';

const millis = (t: temporal.api.history.v1.IHistoryEvent['eventTime']): number =>
  Number(t?.seconds ?? 0) * 1000 + Math.round((t?.nanos ?? 0) / 1e6);

export function historyTimeline(history: temporal.api.history.v1.IHistory): Row[] {
  const events = history.events ?? [];
  const t0 = millis(events[0]?.eventTime);
  return events.map((e) => {
    const type = temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType);
    const activity =
      e.activityTaskScheduledEventAttributes?.activityType?.name ??
      e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ??
      localActivityTypeOf(e) ??
      '';
    return {
      ms: millis(e.eventTime) - t0,
      event: type.replace(/^EVENT_TYPE_/, '').toLowerCase(),
      name: activity,
    };
  });
}
