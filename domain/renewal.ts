/**
 * Auto-renewal coupon choice (seed 002 §Paying an order: "with auto-renewal the
 * system picks an eligible coupon by rule"). The document does not state the rule;
 * ours is total and deterministic:
 *   1. largest deduction for this renewal (the customer pays least),
 *   2. then soonest expiry (use what would be lost first),
 *   3. then larger balance,
 *   4. then coupon id, lexicographic by UTF-16 code unit (no locale).
 * Coupons that are ineligible, or would deduct nothing, are never picked.
 */
import { type Coupon, compareIds, isCouponAccessible } from './coupon';
import { computeOrderDeduction } from './deduction';
import { type Usage, checkEligibility } from './eligibility';
import { type Amount, parseAmount } from './money';
import { type Instant, toEpochMs } from './time';

export type RenewalOrder = Omit<Usage, 'couponAccessible' | 'orderType'> & {
  orderType?: 'renewal';
  /** Coupons shared with this account (sharing scopes resolved by the caller). */
  sharedCouponIds: readonly string[];
};

export interface RenewalChoice {
  coupon: Coupon;
  deduction: Amount;
  payable: Amount;
}

export function chooseRenewalCoupon(
  coupons: readonly Coupon[],
  order: RenewalOrder,
  at: Instant,
): RenewalChoice | null {
  const { sharedCouponIds, ...rest } = order;
  const candidates: RenewalChoice[] = [];
  for (const coupon of coupons) {
    const usage: Usage = {
      ...rest,
      orderType: 'renewal',
      couponAccessible: isCouponAccessible(coupon, order.accountId, sharedCouponIds),
    };
    if (checkEligibility(coupon, usage, at).length > 0) continue;
    const { deduction, payable } = computeOrderDeduction(coupon, order.amount);
    if (parseAmount(deduction, coupon.currency).isZero()) continue;
    candidates.push({ coupon, deduction, payable });
  }
  candidates.sort(compareRenewalCandidates);
  return candidates[0] ?? null;
}

/** Sort order of the rule above (first = chosen). */
export function compareRenewalCandidates(a: RenewalChoice, b: RenewalChoice): number {
  const cur = a.coupon.currency;
  const byDeduction = parseAmount(b.deduction, cur).comparedTo(parseAmount(a.deduction, cur));
  if (byDeduction !== 0) return byDeduction;
  const byExpiry = toEpochMs(a.coupon.expiresAt) - toEpochMs(b.coupon.expiresAt);
  if (byExpiry !== 0) return byExpiry < 0 ? -1 : 1;
  const byBalance = parseAmount(b.coupon.balance, cur).comparedTo(
    parseAmount(a.coupon.balance, cur),
  );
  if (byBalance !== 0) return byBalance;
  return compareIds(a.coupon.id, b.coupon.id);
}
