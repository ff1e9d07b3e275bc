/**
 * The coupon expiry sweep (issue 5 §Expiry). Reads already say "expired" the
 * instant a coupon lapses (domain/coupon effectiveStatus); this workflow records
 * that expiry in the ledger as an 'expire' movement. Started by the Temporal
 * Schedule `coupon-expiry-sweep` (worker/schedules.ts), hourly.
 *
 * One sweep judges every batch at ONE instant: the workflow's time at its start
 * (deterministic on replay). Each batch's operation key is the workflow id plus
 * the batch number, so a retried or replayed batch never records twice. Long
 * sweeps continue as new every MAX_BATCHES_PER_RUN batches to keep history short.
 */
import {
  continueAsNew,
  log,
  proxyActivities,
  setCurrentDetails,
  workflowInfo,
} from '@temporalio/workflow';
import type { ExpireCouponsInput, ExpireCouponsResult } from '../../activities/ledger/types';

export interface CouponExpiryActivities {
  expireCoupons(input: ExpireCouponsInput): Promise<ExpireCouponsResult>;
}

const { expireCoupons } = proxyActivities<CouponExpiryActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

const MAX_BATCHES_PER_RUN = 200;

export interface CouponExpirySweepInput {
  /** Coupons per batch (ledger default 500). */
  batchSize?: number;
  /** Set by continue-as-new: the sweep's instant and where numbering goes on. */
  at?: string;
  firstBatch?: number;
  expiredSoFar?: number;
}

export interface CouponExpirySweepResult {
  at: string;
  batches: number;
  expired: number;
}

export async function couponExpirySweep(
  input: CouponExpirySweepInput = {},
): Promise<CouponExpirySweepResult> {
  const at = input.at ?? new Date(Date.now()).toISOString();
  const { workflowId } = workflowInfo();
  const first = input.firstBatch ?? 1;
  let expired = input.expiredSoFar ?? 0;
  for (let batch = first; ; batch++) {
    // What ops see in the UI while a batch runs (or retries against a database outage).
    setCurrentDetails(
      `Recording the expiry of coupons that lapsed before ${at}: batch ${batch}, ${expired} recorded so far.`,
    );
    const result = await expireCoupons({
      at,
      operationKey: `${workflowId}:expire:${batch}`,
      ...(input.batchSize !== undefined ? { batchSize: input.batchSize } : {}),
    });
    expired += result.expiredCouponIds.length;
    if (!result.more) {
      setCurrentDetails(`Done: ${expired} coupons that lapsed before ${at} recorded as expired.`);
      log.info('coupon expiry sweep done', { at, batches: batch, expired });
      return { at, batches: batch, expired };
    }
    if (batch - first + 1 >= MAX_BATCHES_PER_RUN) {
      return continueAsNew<typeof couponExpirySweep>({
        ...input,
        at,
        firstBatch: batch + 1,
        expiredSoFar: expired,
      });
    }
  }
}
