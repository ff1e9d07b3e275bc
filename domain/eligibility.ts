/**
 * Why a coupon cannot pay an order or bill (seed 002 §Why a coupon cannot be used,
 * §Scope, §Limits, §Paying an order). Returns EVERY reason, so the UI and the
 * ledger can explain a refusal completely; an empty list means eligible.
 */
import {
  ALL_PRODUCTS_CUTOFF_AT,
  type Product,
  isExcludedCommodityCode,
  isExcludedFromAllProductsAfterCutoff,
  isExcludedProductCode,
} from './catalog';
import {
  type ConsumptionType,
  type Coupon,
  type OrderType,
  effectiveStatus,
  isEffectiveAt,
  isExpiredAt,
} from './coupon';
import { type Amount, type CurrencyCode, parseAmount } from './money';
import { type Instant, toEpochMs } from './time';

/** An order (or a pay-as-you-go bill) a coupon might pay. */
export interface Usage {
  accountId: string;
  product: Product;
  orderType: OrderType;
  consumptionType: ConsumptionType;
  amount: Amount;
  currency: CurrencyCode;
  durationMonths?: number;
  /** Another discount or promotion is already applied to this order. */
  otherOffersApplied: boolean;
  /** Owner or shared with this account: resolved by the caller. */
  couponAccessible: boolean;
  /** A coupon frozen for THIS order stays usable by it. */
  orderId?: string;
}

export type IneligibilityCode =
  | 'product_not_covered'
  | 'channel_mismatch'
  | 'not_yet_effective'
  | 'expired'
  | 'order_type_not_covered'
  | 'consumption_type_mismatch'
  | 'duration_not_met'
  | 'below_threshold'
  | 'exclusive_offer_conflict'
  | 'not_available'
  | 'currency_mismatch'
  | 'not_shared_with_account';

export type ProductNotCoveredDetail =
  | 'excluded_product_code'
  | 'excluded_commodity_code'
  | 'physical_good'
  | 'third_party_marketplace'
  | 'all_products_cutoff_2023_06_08'
  | 'not_in_coupon_products';

export type NotAvailableDetail = 'frozen_for_another_order' | 'used' | 'invalid';

export type IneligibilityReason =
  | { code: 'product_not_covered'; detail: ProductNotCoveredDetail; message: string }
  | { code: 'not_available'; detail: NotAvailableDetail; message: string }
  | {
      code: Exclude<IneligibilityCode, 'product_not_covered' | 'not_available'>;
      message: string;
    };

/** Product reasons, data-driven from catalog.ts. */
export function productReasons(
  coupon: Coupon,
  product: Product,
  at: Instant,
): IneligibilityReason[] {
  const out: IneligibilityReason[] = [];
  const notCovered = (detail: ProductNotCoveredDetail, message: string): void => {
    out.push({ code: 'product_not_covered', detail, message });
  };
  if (coupon.scope.type === 'products') {
    if (!coupon.scope.productCodes.includes(product.productCode)) {
      notCovered(
        'not_in_coupon_products',
        `Coupon applies only to ${coupon.scope.productCodes.join(', ')}; not to ${product.productCode}`,
      );
    }
  } else {
    if (isExcludedProductCode(product.productCode)) {
      notCovered(
        'excluded_product_code',
        `General coupons do not cover product ${product.productCode}`,
      );
    }
    if (isExcludedCommodityCode(product.commodityCode)) {
      notCovered(
        'excluded_commodity_code',
        `General coupons do not cover commodity ${product.commodityCode}`,
      );
    }
    if (product.physicalGood) {
      notCovered('physical_good', 'General coupons do not cover physical goods');
    }
    if (product.channel === 'marketplace' && product.thirdParty) {
      notCovered(
        'third_party_marketplace',
        'General coupons do not cover third-party marketplace products',
      );
    }
  }
  if (
    coupon.allProducts &&
    isExcludedFromAllProductsAfterCutoff(product.productCode) &&
    toEpochMs(at) >= toEpochMs(ALL_PRODUCTS_CUTOFF_AT)
  ) {
    notCovered(
      'all_products_cutoff_2023_06_08',
      `Since ${ALL_PRODUCTS_CUTOFF_AT}, "all products" coupons do not pay ${product.productCode}`,
    );
  }
  return out;
}

export function checkEligibility(coupon: Coupon, usage: Usage, at: Instant): IneligibilityReason[] {
  const out: IneligibilityReason[] = [];
  const add = (
    code: Exclude<IneligibilityCode, 'product_not_covered' | 'not_available'>,
    message: string,
  ): void => {
    out.push({ code, message });
  };

  if (!usage.couponAccessible) {
    add('not_shared_with_account', `Coupon is not owned by or shared with ${usage.accountId}`);
  }

  const status = effectiveStatus(coupon, at);
  if (status === 'used') {
    out.push({ code: 'not_available', detail: 'used', message: 'Coupon is used up' });
  } else if (status === 'invalid') {
    out.push({ code: 'not_available', detail: 'invalid', message: 'Coupon is invalid' });
  } else if (status === 'frozen' && coupon.frozenForOrderId !== usage.orderId) {
    out.push({
      code: 'not_available',
      detail: 'frozen_for_another_order',
      message: 'Coupon is frozen by another unpaid order',
    });
  }

  if (!isEffectiveAt(coupon, at)) {
    add('not_yet_effective', `Coupon is effective from ${coupon.effectiveAt}`);
  }
  if (status === 'expired' || isExpiredAt(coupon, at)) {
    add('expired', `Coupon expired at ${coupon.expiresAt}`);
  }

  out.push(...productReasons(coupon, usage.product, at));

  if (coupon.channel !== usage.product.channel) {
    add(
      'channel_mismatch',
      `A ${coupon.channel} coupon cannot pay a ${usage.product.channel} product`,
    );
  }
  if (!coupon.orderTypes.includes(usage.orderType)) {
    add('order_type_not_covered', `Coupon does not serve ${usage.orderType} orders`);
  }
  if (coupon.consumptionType !== 'any' && coupon.consumptionType !== usage.consumptionType) {
    add(
      'consumption_type_mismatch',
      `Coupon is for ${coupon.consumptionType}, order is ${usage.consumptionType}`,
    );
  }
  const durationMessage = durationShortfall(coupon, usage.durationMonths);
  if (durationMessage) add('duration_not_met', durationMessage);

  if (coupon.currency !== usage.currency) {
    add('currency_mismatch', `Coupon is in ${coupon.currency}, order is in ${usage.currency}`);
  } else if (coupon.kind === 'threshold' && coupon.threshold !== undefined) {
    // Amounts are only comparable in the same currency.
    if (
      parseAmount(usage.amount, usage.currency).lessThan(
        parseAmount(coupon.threshold, coupon.currency),
      )
    ) {
      add(
        'below_threshold',
        `Order amount ${usage.amount} is below the threshold ${coupon.threshold}`,
      );
    }
  }

  if (!coupon.combinable && usage.otherOffersApplied) {
    add('exclusive_offer_conflict', 'Coupon cannot be combined with the offer already applied');
  }
  return out;
}

/** A coupon with a duration condition needs a known duration within it. */
function durationShortfall(coupon: Coupon, months: number | undefined): string | null {
  const { minDurationMonths: min, maxDurationMonths: max } = coupon;
  if (min === undefined && max === undefined) return null;
  const range = `${min ?? 0}..${max ?? '∞'} months`;
  if (months === undefined) return `Coupon requires an order duration of ${range}`;
  if ((min !== undefined && months < min) || (max !== undefined && months > max)) {
    return `Order duration ${months} months is outside ${range}`;
  }
  return null;
}

export const isEligible = (coupon: Coupon, usage: Usage, at: Instant): boolean =>
  checkEligibility(coupon, usage, at).length === 0;
