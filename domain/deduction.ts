/**
 * What one coupon takes off one order (seed 002 §Kinds, §Paying an order).
 */
import type { Coupon } from './coupon';
import { type Usage, type IneligibilityReason, checkEligibility } from './eligibility';
import { type Amount, Dec, formatAmount, parseAmount, roundDeduction } from './money';
import type { Instant } from './time';

export interface OrderDeduction {
  deduction: Amount;
  payable: Amount;
}

/**
 * Arithmetic only (eligibility is checked separately):
 * - cash: min(balance, amount)
 * - threshold: its amount off, only when amount >= threshold
 * - discount: amount × percent / 100, rounded down to the minor unit, capped by the
 *   maximum discount
 * Every kind is bounded by the coupon's balance (threshold/discount: "0" once used)
 * and by the amount. payable = amount − deduction, exact.
 */
export function computeOrderDeduction(coupon: Coupon, amount: Amount): OrderDeduction {
  const cur = coupon.currency;
  const total = parseAmount(amount, cur);
  const balance = parseAmount(coupon.balance, cur);
  let raw: Dec;
  switch (coupon.kind) {
    case 'cash':
      raw = balance;
      break;
    case 'threshold': {
      const threshold = parseAmount(coupon.threshold ?? '0', cur);
      raw = total.greaterThanOrEqualTo(threshold) ? balance : new Dec(0);
      break;
    }
    case 'discount': {
      const percent = new Dec(coupon.discountPercent ?? '0');
      raw = roundDeduction(total.times(percent).dividedBy(100), cur);
      raw = Dec.min(raw, balance);
      break;
    }
  }
  const deduction = roundDeduction(Dec.min(raw, total), cur);
  return {
    deduction: formatAmount(deduction, cur),
    payable: formatAmount(total.minus(deduction), cur),
  };
}

export type CouponSelection =
  | { ok: true; coupon: Coupon | null }
  | { ok: false; error: 'one_coupon_per_order'; message: string };

/** seed 002 §Paying an order: one coupon per order; none is fine too. */
export function selectCouponForOrder(chosen: readonly Coupon[]): CouponSelection {
  if (chosen.length > 1) {
    return {
      ok: false,
      error: 'one_coupon_per_order',
      message: `Only one coupon may be used per order; ${chosen.length} were chosen`,
    };
  }
  return { ok: true, coupon: chosen[0] ?? null };
}

export type OrderQuote =
  | { ok: true; couponId: string; deduction: Amount; payable: Amount }
  | { ok: false; couponId: string; reasons: IneligibilityReason[] };

/** Eligibility then deduction, in one step for workflows and the API. */
export function quoteOrder(coupon: Coupon, usage: Usage, at: Instant): OrderQuote {
  const reasons = checkEligibility(coupon, usage, at);
  if (reasons.length > 0) return { ok: false, couponId: coupon.id, reasons };
  return { ok: true, couponId: coupon.id, ...computeOrderDeduction(coupon, usage.amount) };
}
