/**
 * Temporal Schedules the engine needs, created when it starts (scripts/start.ts).
 * Creating is idempotent: a schedule that already exists is kept as ops left it
 * (paused, re-timed), only pointed at this engine's task queue if that changed.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptionsStartWorkflowAction,
} from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import type { couponExpirySweep } from '../workflows/coupon-expiry/workflow';

export const COUPON_EXPIRY_SCHEDULE_ID = 'coupon-expiry-sweep';

export interface CouponExpiryScheduleOptions {
  taskQueue: string;
  /** How often the sweep runs (default hourly). */
  every?: Duration;
}

/** Ensures the hourly expiry sweep schedule exists; says whether it was created now. */
export async function ensureCouponExpirySchedule(
  client: Client,
  options: CouponExpiryScheduleOptions,
): Promise<'created' | 'exists'> {
  const action: ScheduleOptionsStartWorkflowAction<typeof couponExpirySweep> = {
    type: 'startWorkflow',
    workflowType: 'couponExpirySweep',
    args: [{}],
    taskQueue: options.taskQueue,
    // Each run's id is this plus the scheduled time, so its operation keys are its own.
    workflowId: COUPON_EXPIRY_SCHEDULE_ID,
    workflowExecutionTimeout: '1 hour',
    staticSummary: 'Hourly coupon expiry sweep: records lapsed coupons as expired in the ledger',
  };
  try {
    await client.schedule.create({
      scheduleId: COUPON_EXPIRY_SCHEDULE_ID,
      spec: { intervals: [{ every: options.every ?? '1 hour' }] },
      action,
      // A sweep still running when the next is due: skip the next (the running one covers it).
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
      memo: { purpose: 'Records coupon expiry in the ledger (issue 5)' },
    });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    const handle = client.schedule.getHandle(COUPON_EXPIRY_SCHEDULE_ID);
    const current = await handle.describe();
    if (current.action.type === 'startWorkflow' && current.action.taskQueue !== options.taskQueue) {
      await handle.update((previous) => ({
        ...previous,
        action: { ...previous.action, taskQueue: options.taskQueue },
      }));
    }
    return 'exists';
  }
}
