/**
 * seed 002 §Limits: an account holds at most 50 active coupons at once, frozen ones
 * included. Active = effective status available or frozen; used, expired and
 * invalid coupons free their slot (the seed: "use some or let them expire").
 */
import { type Coupon, isActiveAt } from './coupon';
import type { Instant } from './time';

export const MAX_ACTIVE_COUPONS = 50;

export function remainingCouponSlots(activeCount: number): number {
  if (!Number.isInteger(activeCount) || activeCount < 0) {
    throw new RangeError(`activeCount must be a non-negative integer: ${activeCount}`);
  }
  return Math.max(0, MAX_ACTIVE_COUPONS - activeCount);
}

/** Counts the coupons OWNED by the account that are active at `at`. */
export function countActiveCoupons(
  coupons: readonly Coupon[],
  accountId: string,
  at: Instant,
): number {
  return coupons.filter((c) => c.ownerAccountId === accountId && isActiveAt(c, at)).length;
}

export interface ClaimCheck {
  allowed: boolean;
  /** Slots free before this claim. */
  remaining: number;
  message: string;
}

/** Can the account claim `claiming` more coupons now? */
export function checkCouponClaim(activeCount: number, claiming = 1): ClaimCheck {
  const remaining = remainingCouponSlots(activeCount);
  const allowed = claiming <= remaining;
  return {
    allowed,
    remaining,
    message: allowed
      ? `${remaining} of ${MAX_ACTIVE_COUPONS} coupon slots free`
      : `At most ${MAX_ACTIVE_COUPONS} active coupons (frozen included); ${remaining} more fit. Use some or let them expire first.`,
  };
}
