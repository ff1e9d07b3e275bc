import type { Coupon, Product, Usage } from '../../../domain';
import { findReferenceProduct } from '../../../domain';

export const AT = '2024-03-01T00:00:00Z';

export function product(commodityCode: string): Product {
  const p = findReferenceProduct(commodityCode);
  if (!p) throw new Error(`no reference product ${commodityCode}`);
  return p;
}

export const ECS = product('ecs');

export function coupon(overrides: Partial<Coupon> = {}): Coupon {
  return {
    id: 'c-1',
    couponNumber: 'N0001',
    ownerAccountId: 'acct-1',
    kind: 'cash',
    currency: 'USD',
    faceValue: '100.00',
    balance: '100.00',
    effectiveAt: '2024-01-01T00:00:00Z',
    expiresAt: '2024-12-31T00:00:00Z',
    scope: { type: 'general' },
    allProducts: false,
    channel: 'official',
    orderTypes: ['new_purchase', 'renewal', 'upgrade', 'payg_bill'],
    consumptionType: 'any',
    combinable: true,
    status: 'available',
    ...overrides,
  };
}

export function usage(overrides: Partial<Usage> = {}): Usage {
  return {
    accountId: 'acct-1',
    product: ECS,
    orderType: 'new_purchase',
    consumptionType: 'subscription',
    amount: '50.00',
    currency: 'USD',
    otherOffersApplied: false,
    couponAccessible: true,
    ...overrides,
  };
}
