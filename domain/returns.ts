/**
 * Coupon returns (seed 002 §Returns). Decides what comes back to a coupon after an
 * order or bill event. Never gives back more than was used; a coupon returned
 * after its expiry comes back expired (it keeps its validity window).
 *
 * Rules where the seed is explicit:
 * - order cancelled before payment → the coupon comes back. A frozen coupon is
 *   simply released (nothing was booked), also for domains and virtual hosts: the
 *   seed's freeze rule makes a cancelled unpaid order's coupon available again.
 * - provisioning failed / bill rolled back → cash and threshold come back, discount not.
 * - domains and virtual hosts: a booked coupon never comes back.
 * Rules the seed leaves to "a rule" (our choice):
 * - resource unsubscribed → cash: usedAmount × unusedFraction, rounded down to the
 *   minor unit (the customer gets back the part of the coupon that paid for service
 *   not received). Threshold and discount: not returned (single-use offers are not
 *   split, and the order they discounted was delivered in part).
 * - bill adjusted → cash: usedAmount × (original − adjusted) / original, rounded
 *   down (the coupon's share of the reduction). Upward or zero adjustment: nothing.
 *   Threshold and discount: not returned (bills are paid by cash coupons only).
 */
import { isNeverReturnedProduct, type Product } from './catalog';
import { type Coupon, type CouponStatus, isExpiredAt } from './coupon';
import { type Amount, Dec, MoneyError, formatAmount, parseAmount, roundDeduction } from './money';
import type { Instant } from './time';

export type ReturnEvent =
  | { type: 'order_cancelled_before_payment' }
  | { type: 'provisioning_failed' }
  | { type: 'bill_rolled_back' }
  /** unusedFraction: decimal string in [0, 1], the unused part of the paid term. */
  | { type: 'resource_unsubscribed'; unusedFraction: string }
  | { type: 'bill_adjusted'; originalAmount: Amount; adjustedAmount: Amount };

export type ReturnEventType = ReturnEvent['type'];

export type ReturnRule =
  | 'freeze_released'
  | 'cancelled_before_payment_returned'
  | 'never_returned_product'
  | 'failure_returned'
  | 'failure_discount_not_returned'
  | 'unsubscribed_cash_pro_rata'
  | 'unsubscribed_single_use_not_returned'
  | 'adjusted_cash_pro_rata'
  | 'adjusted_not_downward'
  | 'adjusted_single_use_not_returned';

export interface ReturnDecision {
  outcome: 'released' | 'returned' | 'not_returned';
  /** Value given back to the coupon; never more than usedAmount. */
  returnedAmount: Amount;
  balanceAfter: Amount;
  statusAfter: CouponStatus;
  rule: ReturnRule;
  message: string;
}

export function decideReturn(
  coupon: Coupon,
  usedAmount: Amount,
  event: ReturnEvent,
  product: Product,
  at: Instant,
): ReturnDecision {
  const cur = coupon.currency;
  const used = parseAmount(usedAmount, cur);
  const balance = parseAmount(coupon.balance, cur);
  const expired = isExpiredAt(coupon, at);

  const keep = (rule: ReturnRule, message: string): ReturnDecision => ({
    outcome: 'not_returned',
    returnedAmount: formatAmount(new Dec(0), cur),
    balanceAfter: formatAmount(balance, cur),
    statusAfter: statusFor(coupon, balance, expired),
    rule,
    message,
  });

  const giveBack = (value: Dec, rule: ReturnRule, message: string): ReturnDecision => {
    const face = parseAmount(coupon.faceValue, cur);
    // Cash: balance grows by the returned value, never past face value.
    // Single-use kinds: coming back means whole again (balance = face value).
    const after = coupon.kind === 'cash' ? Dec.min(balance.plus(value), face) : face;
    const returned = coupon.kind === 'cash' ? after.minus(balance) : Dec.min(value, used);
    return {
      outcome: 'returned',
      returnedAmount: formatAmount(Dec.max(returned, 0), cur),
      balanceAfter: formatAmount(after, cur),
      statusAfter: statusFor(coupon, after, expired),
      rule,
      message: expired ? `${message}; returned after expiry, so it is expired` : message,
    };
  };

  if (event.type === 'order_cancelled_before_payment' && coupon.status === 'frozen') {
    return {
      outcome: 'released',
      returnedAmount: formatAmount(new Dec(0), cur),
      balanceAfter: formatAmount(balance, cur),
      statusAfter: statusFor({ ...coupon, status: 'available' }, balance, expired),
      rule: 'freeze_released',
      message: 'Unpaid order cancelled: the frozen coupon is released',
    };
  }
  if (isNeverReturnedProduct(product.productCode)) {
    return keep(
      'never_returned_product',
      `Coupons used for ${product.productCode} are never returned`,
    );
  }

  switch (event.type) {
    case 'order_cancelled_before_payment':
      return giveBack(used, 'cancelled_before_payment_returned', 'Order cancelled before payment');
    case 'provisioning_failed':
    case 'bill_rolled_back':
      if (coupon.kind === 'discount') {
        return keep(
          'failure_discount_not_returned',
          `Discount coupons are not returned on ${event.type}`,
        );
      }
      return giveBack(used, 'failure_returned', `Returned on ${event.type}`);
    case 'resource_unsubscribed': {
      if (coupon.kind !== 'cash') {
        return keep(
          'unsubscribed_single_use_not_returned',
          'Single-use coupons are not returned on unsubscription',
        );
      }
      const fraction = parseFraction(event.unusedFraction);
      return giveBack(
        roundDeduction(used.times(fraction), cur),
        'unsubscribed_cash_pro_rata',
        `Cash coupon returned pro rata to the unused part (${event.unusedFraction})`,
      );
    }
    case 'bill_adjusted': {
      if (coupon.kind !== 'cash') {
        return keep(
          'adjusted_single_use_not_returned',
          'Single-use coupons are not returned on bill adjustment',
        );
      }
      const original = parseAmount(event.originalAmount, cur);
      const adjusted = parseAmount(event.adjustedAmount, cur);
      if (original.isZero() || adjusted.greaterThanOrEqualTo(original)) {
        return keep('adjusted_not_downward', 'Bill was not adjusted down: nothing to return');
      }
      const share = original.minus(adjusted).dividedBy(original);
      return giveBack(
        roundDeduction(used.times(share), cur),
        'adjusted_cash_pro_rata',
        'Cash coupon returned in proportion to the downward adjustment',
      );
    }
  }
}

function parseFraction(value: string): Dec {
  if (!/^(0|1|0?\.\d+|1\.0+)$/.test(value)) {
    throw new MoneyError(`unusedFraction must be a decimal in [0, 1]: "${value}"`);
  }
  return new Dec(value);
}

/** Status after the decision: expiry wins, invalid stays, an empty coupon is used. */
function statusFor(coupon: Coupon, balanceAfter: Dec, expired: boolean): CouponStatus {
  if (coupon.status === 'invalid') return 'invalid';
  if (expired) return 'expired';
  if (balanceAfter.isZero()) return 'used';
  return coupon.status === 'frozen' ? 'frozen' : 'available';
}
