/**
 * Database rows ↔ domain values. Amounts leave here as canonical strings in the
 * row's currency; the domain decides everything from these values.
 */
import {
  Dec,
  ORDER_TYPES,
  effectiveStatus,
  formatAmount,
  isCurrencyCode,
  minorUnits,
  type Amount,
  type Coupon,
  type CurrencyCode,
  type OrderType,
  type Product,
} from '../../domain';
import type {
  Coupon as CouponRow,
  Prisma,
  Product as ProductRow,
} from '../../generated/prisma/client';
import type { Tx } from './operation';
import { couponNotFound, LedgerRefusal } from './refusal';
import type { CouponView } from './types';

export type { CouponRow };

export function currencyOf(code: string): CurrencyCode {
  if (!isCurrencyCode(code)) throw new Error(`stored currency "${code}" is not supported`);
  return code;
}

/** A stored Decimal(18,4) as the currency's canonical amount. */
export function amountOf(value: Prisma.Decimal | string, currency: CurrencyCode): Amount {
  return formatAmount(new Dec(value.toString()), currency);
}

/** A stored amount that may be off the currency's grid (arrears in another currency): rounded up, so non-zero stays non-zero. */
export function amountRoundedUp(value: Prisma.Decimal | Dec, currency: CurrencyCode): Amount {
  const rounded = new Dec(value.toString()).toDecimalPlaces(minorUnits(currency), Dec.ROUND_UP);
  return formatAmount(rounded, currency);
}

/** balanceAfter − balanceBefore, signed, for CouponMovement.balanceDelta. */
export function signedDelta(before: Amount, after: Amount): string {
  return new Dec(after).minus(new Dec(before)).toString();
}

const isOrderType = (value: string): value is OrderType =>
  (ORDER_TYPES as readonly string[]).includes(value);

export function toDomainCoupon(row: CouponRow): Coupon {
  const currency = currencyOf(row.currency);
  return {
    id: row.id,
    couponNumber: row.couponNumber,
    ownerAccountId: row.ownerAccountId,
    kind: row.kind,
    currency,
    faceValue: amountOf(row.faceValue, currency),
    balance: amountOf(row.balance, currency),
    ...(row.threshold !== null ? { threshold: amountOf(row.threshold, currency) } : {}),
    ...(row.discountPercent !== null ? { discountPercent: row.discountPercent.toString() } : {}),
    effectiveAt: row.effectiveAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    scope:
      row.scopeType === 'products'
        ? { type: 'products', productCodes: [...row.scopeProductCodes] }
        : { type: 'general' },
    allProducts: row.allProducts,
    channel: row.channel === 'marketplace' ? 'marketplace' : 'official',
    orderTypes: row.orderTypes.filter(isOrderType),
    consumptionType:
      row.consumptionType === 'subscription' || row.consumptionType === 'payg'
        ? row.consumptionType
        : 'any',
    ...(row.minDurationMonths !== null ? { minDurationMonths: row.minDurationMonths } : {}),
    ...(row.maxDurationMonths !== null ? { maxDurationMonths: row.maxDurationMonths } : {}),
    combinable: row.combinable,
    status: row.status,
    ...(row.frozenForOrderId !== null ? { frozenForOrderId: row.frozenForOrderId } : {}),
  };
}

/** The coupon as a list row, its status read through the domain at `at`. */
export function toCouponView(coupon: Coupon, viewerAccountId: string, at: string): CouponView {
  return {
    couponId: coupon.id,
    couponNumber: coupon.couponNumber,
    ownerAccountId: coupon.ownerAccountId,
    shared: coupon.ownerAccountId !== viewerAccountId,
    kind: coupon.kind,
    currency: coupon.currency,
    faceValue: coupon.faceValue,
    balance: coupon.balance,
    threshold: coupon.threshold ?? null,
    discountPercent: coupon.discountPercent ?? null,
    effectiveAt: coupon.effectiveAt,
    expiresAt: coupon.expiresAt,
    scope: coupon.scope,
    allProducts: coupon.allProducts,
    channel: coupon.channel,
    orderTypes: coupon.orderTypes,
    consumptionType: coupon.consumptionType,
    combinable: coupon.combinable,
    status: effectiveStatus(coupon, at),
    frozenForOrderId: coupon.frozenForOrderId ?? null,
  };
}

export async function loadProduct(tx: Tx, commodityCode: string): Promise<Product> {
  return productOf(await tx.product.findUnique({ where: { commodityCode } }), commodityCode);
}

/** The Product row as the domain's Product; refuses a missing one. */
export function productOf(
  row: Pick<
    ProductRow,
    'productCode' | 'commodityCode' | 'channel' | 'physicalGood' | 'thirdParty' | 'name'
  > | null,
  commodityCode: string,
): Product {
  if (!row) {
    throw new LedgerRefusal(
      'product_not_found',
      `no product with commodity code ${commodityCode}`,
      {
        commodityCode,
      },
    );
  }
  return {
    productCode: row.productCode,
    commodityCode: row.commodityCode,
    channel: row.channel === 'marketplace' ? 'marketplace' : 'official',
    physicalGood: row.physicalGood,
    thirdParty: row.thirdParty,
    name: row.name,
  };
}

export async function loadCoupon(tx: Tx, couponId: string): Promise<CouponRow> {
  const row = await tx.coupon.findUnique({ where: { id: couponId } });
  if (!row) throw couponNotFound(couponId);
  return row;
}
