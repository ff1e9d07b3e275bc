/**
 * How long a settled bill stays open for rollback and adjustment. Default here; a
 * workflow input may override it (tests, operations). Resolved once at the start
 * and kept in history. (How a charge is retried on gateway outages is the shared
 * billing-retry policy of workflows/shared/payment-retry.ts.)
 */
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type { BillPolicyOverrides } from './contracts';

export interface BillPolicy {
  /** A settled bill with no change for this long completes; rollback and adjustment end with it. */
  adjustmentWindowMs: number;
}

export const DEFAULT_BILL_POLICY: BillPolicy = {
  adjustmentWindowMs: 90 * 24 * 3600_000,
};

/** At most this many recharges for one shortfall (another bill's arrears may grow in between). */
export const MAX_RECHARGE_ROUNDS = 3;

export function resolveBillPolicy(
  base: BillPolicy,
  overrides: BillPolicyOverrides = {},
): BillPolicy {
  const window = overrides.adjustmentWindow as Duration | undefined;
  return {
    adjustmentWindowMs: window === undefined ? base.adjustmentWindowMs : msToNumber(window),
  };
}
