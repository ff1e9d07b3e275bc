/**
 * Pay-as-you-go bill drawdown (seed 002 §Pay-as-you-go bills).
 * - Only eligible CASH coupons draw: threshold and discount coupons are single-use
 *   order offers, and "the next cash coupon pays the rest" names cash coupons.
 * - Order: expiry soonest first, then balance larger first, then coupon id
 *   (lexicographic, the stable key the document leaves open).
 * - Chained until the bill is covered or the coupons run out; the rest is payable.
 * - Arrears: coupons never pay an overdue bill. While the account has any uncleared
 *   arrears, coupons pay nothing on new bills either; the seed says coupons serve
 *   future charges again only "after the arrears are cleared".
 */
import { type Coupon, compareIds, isCouponAccessible } from './coupon';
import type { Product } from './catalog';
import { type IneligibilityReason, type Usage, checkEligibility } from './eligibility';
import { type Amount, type CurrencyCode, Dec, formatAmount, parseAmount } from './money';
import { type Instant, toEpochMs } from './time';

export interface PaygBill {
  billId: string;
  accountId: string;
  product: Product;
  amount: Amount;
  currency: CurrencyCode;
  /** This bill is itself overdue arrears. */
  overdue: boolean;
  /** Account's uncleared arrears (other bills), "0" when none. */
  outstandingArrears: Amount;
  /** Coupons shared with this account (sharing scopes resolved by the caller). */
  sharedCouponIds: readonly string[];
}

export interface CouponDraw {
  couponId: string;
  amount: Amount;
  balanceAfter: Amount;
}

export type DrawdownBlock = 'overdue_bill' | 'outstanding_arrears';

export interface Drawdown {
  billId: string;
  draws: CouponDraw[];
  couponDeduction: Amount;
  remainder: Amount;
  /** Set when arrears stopped all coupon use. */
  blockedBy: DrawdownBlock | null;
  /** Why each coupon that was offered did not draw (explainability). */
  skipped: { couponId: string; reasons: IneligibilityReason[] }[];
}

export function drawDownBill(coupons: readonly Coupon[], bill: PaygBill, at: Instant): Drawdown {
  const cur = bill.currency;
  if (new Set(coupons.map((c) => c.id)).size !== coupons.length) {
    // The same coupon twice would draw its balance twice.
    throw new RangeError('drawDownBill: duplicate coupon ids');
  }
  const total = parseAmount(bill.amount, cur);
  const blockedBy: DrawdownBlock | null = bill.overdue
    ? 'overdue_bill'
    : parseAmount(bill.outstandingArrears, cur).isZero()
      ? null
      : 'outstanding_arrears';
  if (blockedBy) {
    return {
      billId: bill.billId,
      draws: [],
      couponDeduction: formatAmount(new Dec(0), cur),
      remainder: formatAmount(total, cur),
      blockedBy,
      skipped: [],
    };
  }

  const skipped: Drawdown['skipped'] = [];
  const usable: Coupon[] = [];
  for (const coupon of coupons) {
    const usage: Usage = {
      accountId: bill.accountId,
      product: bill.product,
      orderType: 'payg_bill',
      consumptionType: 'payg',
      amount: bill.amount,
      currency: cur,
      otherOffersApplied: false,
      couponAccessible: isCouponAccessible(coupon, bill.accountId, bill.sharedCouponIds),
    };
    const reasons = checkEligibility(coupon, usage, at);
    if (coupon.kind !== 'cash') {
      reasons.push({ code: 'order_type_not_covered', message: 'Only cash coupons pay bills' });
    }
    if (reasons.length > 0) skipped.push({ couponId: coupon.id, reasons });
    else usable.push(coupon);
  }
  let remaining = total;
  const draws: CouponDraw[] = [];
  for (const { coupon, balance } of inDrawdownOrder(usable)) {
    if (remaining.isZero()) break;
    const take = Dec.min(balance, remaining);
    if (take.isZero()) continue;
    remaining = remaining.minus(take);
    draws.push({
      couponId: coupon.id,
      amount: formatAmount(take, cur),
      balanceAfter: formatAmount(balance.minus(take), cur),
    });
  }
  return {
    billId: bill.billId,
    draws,
    couponDeduction: formatAmount(total.minus(remaining), cur),
    remainder: formatAmount(remaining, cur),
    blockedBy: null,
    skipped,
  };
}

/**
 * The coupons in drawdown order, each with its parsed balance. Keys are parsed
 * once per coupon, not once per comparison, so a bill over many coupons costs
 * n log n comparisons of numbers (bench/domain.ts).
 */
function inDrawdownOrder(coupons: readonly Coupon[]): { coupon: Coupon; balance: Dec }[] {
  return coupons
    .map((coupon) => ({
      coupon,
      expiry: toEpochMs(coupon.expiresAt),
      balance: parseAmount(coupon.balance, coupon.currency),
    }))
    .sort(
      (a, b) =>
        a.expiry - b.expiry ||
        b.balance.comparedTo(a.balance) ||
        compareIds(a.coupon.id, b.coupon.id),
    );
}

/** Drawdown order: expiry soonest, then balance largest, then id. */
export function compareDrawdownOrder(a: Coupon, b: Coupon): number {
  const byExpiry = toEpochMs(a.expiresAt) - toEpochMs(b.expiresAt);
  if (byExpiry !== 0) return byExpiry < 0 ? -1 : 1;
  const byBalance = parseAmount(b.balance, b.currency).comparedTo(
    parseAmount(a.balance, a.currency),
  );
  if (byBalance !== 0) return byBalance;
  return compareIds(a.id, b.id);
}
