/**
 * Coupon types (seed 002 §Kinds, §Scope, §Coupon list, §Limits). Plain JSON data:
 * amounts are canonical decimal strings, instants ISO strings.
 */
import type { Channel } from './catalog';
import { type Amount, type CurrencyCode, parseAmount } from './money';
import { type Instant, type IsoInstant, toEpochMs } from './time';

export type CouponKind = 'cash' | 'threshold' | 'discount';

export const ORDER_TYPES = [
  'new_purchase',
  'renewal',
  'trial',
  'conversion',
  'scale_out',
  'upgrade',
  'payg_bill',
] as const;
export type OrderType = (typeof ORDER_TYPES)[number];

export type ConsumptionType = 'subscription' | 'payg';
export type CouponConsumptionType = ConsumptionType | 'any';

export const COUPON_STATUSES = ['available', 'frozen', 'used', 'expired', 'invalid'] as const;
export type CouponStatus = (typeof COUPON_STATUSES)[number];

/**
 * general: most products, minus the exclusion tables in catalog.ts.
 * products: only the listed product codes (the exclusion tables do not apply).
 */
export type CouponScope = { type: 'general' } | { type: 'products'; productCodes: string[] };

export interface Coupon {
  id: string;
  /** Number shown in the coupon list (filterable). */
  couponNumber: string;
  ownerAccountId: string;
  kind: CouponKind;
  currency: CurrencyCode;
  /** cash: face value; threshold: amount off; discount: maximum discount (cap). */
  faceValue: Amount;
  /**
   * cash: remaining balance. threshold/discount: equals faceValue while unused,
   * "0" once used (they are single-use).
   */
  balance: Amount;
  /** threshold kind only: minimum order amount. */
  threshold?: Amount;
  /** discount kind only: percent off, decimal string in (0, 100], e.g. "15". */
  discountPercent?: string;
  effectiveAt: IsoInstant;
  /** First instant at which the coupon no longer works: validity is [effectiveAt, expiresAt). */
  expiresAt: IsoInstant;
  scope: CouponScope;
  /**
   * The campaign's "applies to all products" marking. Only meaningful on a general
   * coupon (the contract rejects it on a product-specific one). It adds the
   * 2023-06-08 rule: no Voice Service, SMS or MNS from the cutoff on.
   */
  allProducts: boolean;
  /** Official-site coupons and marketplace coupons are not interchangeable. */
  channel: Channel;
  orderTypes: OrderType[];
  consumptionType: CouponConsumptionType;
  minDurationMonths?: number;
  maxDurationMonths?: number;
  /** false = exclusive: cannot be combined with other offers. */
  combinable: boolean;
  status: CouponStatus;
  /**
   * Set while frozen by an unpaid order. Freezing does not move the balance: the
   * deduction is booked at payment, so cancelling the unpaid order only releases it.
   */
  frozenForOrderId?: string;
}

/** Validity window checks; half-open [effectiveAt, expiresAt). */
export function isExpiredAt(coupon: Pick<Coupon, 'expiresAt'>, at: Instant): boolean {
  return toEpochMs(at) >= toEpochMs(coupon.expiresAt);
}

export function isEffectiveAt(coupon: Pick<Coupon, 'effectiveAt'>, at: Instant): boolean {
  return toEpochMs(at) >= toEpochMs(coupon.effectiveAt);
}

/**
 * Status as seen at `at`: an available or frozen coupon past its expiry reads as
 * expired at once (no sweeper needed); a cash coupon with nothing left reads as
 * used. used and invalid are final.
 */
export function effectiveStatus(coupon: Coupon, at: Instant): CouponStatus {
  if (coupon.status === 'used' || coupon.status === 'invalid' || coupon.status === 'expired') {
    return coupon.status;
  }
  if (isExpiredAt(coupon, at)) return 'expired';
  if (parseAmount(coupon.balance, coupon.currency).isZero()) return 'used';
  return coupon.status;
}

/** Whether the coupon counts toward the 50-coupon account limit at `at`. */
export function isActiveAt(coupon: Coupon, at: Instant): boolean {
  const s = effectiveStatus(coupon, at);
  return s === 'available' || s === 'frozen';
}

/** seed 002 §Sharing: the caller resolves sharing scopes to coupon ids. */
export function isCouponAccessible(
  coupon: Pick<Coupon, 'id' | 'ownerAccountId'>,
  accountId: string,
  sharedCouponIds: readonly string[],
): boolean {
  return coupon.ownerAccountId === accountId || sharedCouponIds.includes(coupon.id);
}

/** Stable tie-break key: UTF-16 code-unit order, never locale-dependent. */
export const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
