import { checkEligibility, type IneligibilityReason } from '../../../domain';
import { AT, coupon, product, usage } from './fixtures';

const codes = (r: IneligibilityReason[]): string[] => r.map((x) => x.code);
const details = (r: IneligibilityReason[]): string[] =>
  r.flatMap((x) => ('detail' in x ? [`${x.code}:${x.detail}`] : []));

describe('eligibility: product not covered', () => {
  it('seed 002 §Scope: a general coupon covers ordinary products (ECS)', () => {
    expect(checkEligibility(coupon(), usage(), AT)).toEqual([]);
  });

  it('seed 002 §Excluded by product code: general coupon refused for cdn', () => {
    const r = checkEligibility(coupon(), usage({ product: product('cdn') }), AT);
    expect(details(r)).toEqual(['product_not_covered:excluded_product_code']);
  });

  it('seed 002 §Excluded by commodity code: general coupon refused for hardware_mpdprint', () => {
    const r = checkEligibility(coupon(), usage({ product: product('hardware_mpdprint') }), AT);
    expect(details(r)).toEqual(['product_not_covered:excluded_commodity_code']);
  });

  it('seed 002 §Excluded: physical goods', () => {
    const r = checkEligibility(coupon(), usage({ product: product('hardware_server_rack') }), AT);
    expect(details(r)).toEqual(['product_not_covered:physical_good']);
  });

  it('seed 002 §Excluded: third-party marketplace products (marketplace coupon)', () => {
    const r = checkEligibility(
      coupon({ channel: 'marketplace' }),
      usage({ product: product('mkt_wordpress_image') }),
      AT,
    );
    expect(details(r)).toEqual(['product_not_covered:third_party_marketplace']);
  });

  it('seed 002 §Scope: a provider-run marketplace product is covered by a marketplace general coupon', () => {
    const r = checkEligibility(
      coupon({ channel: 'marketplace' }),
      usage({ product: product('mkt_selfhosted_backup') }),
      AT,
    );
    expect(r).toEqual([]);
  });

  it('seed 002 §Scope: a product-specific coupon covers only its listed products', () => {
    const c = coupon({ scope: { type: 'products', productCodes: ['rds'] } });
    expect(checkEligibility(c, usage({ product: product('rds') }), AT)).toEqual([]);
    expect(details(checkEligibility(c, usage(), AT))).toEqual([
      'product_not_covered:not_in_coupon_products',
    ]);
  });

  it('seed 002 §Scope: a product-specific coupon may name a product general coupons exclude', () => {
    const c = coupon({ scope: { type: 'products', productCodes: ['cdn'] } });
    expect(checkEligibility(c, usage({ product: product('cdn') }), AT)).toEqual([]);
  });

  it('seed 002 §Scope 2023-06-08: an "all products" coupon cannot pay MNS from the cutoff on', () => {
    const c = coupon({
      allProducts: true,
      effectiveAt: '2023-01-01T00:00:00Z',
      expiresAt: '2024-01-01T00:00:00Z',
    });
    const mns = usage({ product: product('mns') });
    expect(checkEligibility(c, mns, '2023-06-07T23:59:59.999Z')).toEqual([]);
    expect(details(checkEligibility(c, mns, '2023-06-08T00:00:00Z'))).toEqual([
      'product_not_covered:all_products_cutoff_2023_06_08',
    ]);
    // An offset instant equal to the UTC cutoff is the same instant.
    expect(details(checkEligibility(c, mns, '2023-06-08T08:00:00+08:00'))).toEqual([
      'product_not_covered:all_products_cutoff_2023_06_08',
    ]);
  });

  it('seed 002 §Scope 2023-06-08: voice (dyvms) and SMS (dysms) give both reasons after the cutoff', () => {
    const c = coupon({ allProducts: true });
    for (const code of ['dyvms', 'dysms']) {
      expect(details(checkEligibility(c, usage({ product: product(code) }), AT))).toEqual([
        'product_not_covered:excluded_product_code',
        'product_not_covered:all_products_cutoff_2023_06_08',
      ]);
    }
  });

  it('seed 002 §Scope 2023-06-08: a general coupon NOT marked "all products" still pays MNS', () => {
    expect(checkEligibility(coupon(), usage({ product: product('mns') }), AT)).toEqual([]);
  });
});

describe('eligibility: other reasons', () => {
  it('seed 002 §Scope: an official-site coupon cannot pay a marketplace product (channel_mismatch)', () => {
    const r = checkEligibility(coupon(), usage({ product: product('mkt_selfhosted_backup') }), AT);
    expect(codes(r)).toEqual(['channel_mismatch']);
  });

  it('seed 002 §Scope: a marketplace coupon cannot pay an official-site product (channel_mismatch)', () => {
    expect(codes(checkEligibility(coupon({ channel: 'marketplace' }), usage(), AT))).toEqual([
      'channel_mismatch',
    ]);
  });

  it('seed 002 §Coupon list: before its effective time (not_yet_effective)', () => {
    const c = coupon({ effectiveAt: '2024-03-01T00:00:00.001Z' });
    expect(codes(checkEligibility(c, usage(), AT))).toEqual(['not_yet_effective']);
  });

  it('seed 002 §Why a coupon cannot be used: expired', () => {
    const c = coupon({ expiresAt: AT });
    expect(codes(checkEligibility(c, usage(), AT))).toEqual(['expired']);
    expect(codes(checkEligibility(coupon({ status: 'expired' }), usage(), AT))).toEqual([
      'expired',
    ]);
  });

  it('seed 002 §Why a coupon cannot be used: order type not covered', () => {
    const c = coupon({ orderTypes: ['renewal'] });
    expect(codes(checkEligibility(c, usage({ orderType: 'scale_out' }), AT))).toEqual([
      'order_type_not_covered',
    ]);
  });

  it('seed 002 §Limits: consumption type (subscription vs pay-as-you-go)', () => {
    const c = coupon({ consumptionType: 'payg' });
    expect(codes(checkEligibility(c, usage(), AT))).toEqual(['consumption_type_mismatch']);
    expect(
      checkEligibility(c, usage({ consumptionType: 'payg', orderType: 'payg_bill' }), AT),
    ).toEqual([]);
  });

  it('seed 002 §Why a coupon cannot be used: order duration does not meet the condition', () => {
    const c = coupon({ minDurationMonths: 12, maxDurationMonths: 36 });
    expect(codes(checkEligibility(c, usage({ durationMonths: 6 }), AT))).toEqual([
      'duration_not_met',
    ]);
    expect(codes(checkEligibility(c, usage({ durationMonths: 48 }), AT))).toEqual([
      'duration_not_met',
    ]);
    expect(codes(checkEligibility(c, usage(), AT))).toEqual(['duration_not_met']);
    expect(checkEligibility(c, usage({ durationMonths: 12 }), AT)).toEqual([]);
    expect(checkEligibility(c, usage({ durationMonths: 36 }), AT)).toEqual([]);
  });

  it('seed 002 §Why a coupon cannot be used: order amount below the threshold', () => {
    const c = coupon({
      kind: 'threshold',
      faceValue: '10.00',
      balance: '10.00',
      threshold: '100.00',
    });
    expect(codes(checkEligibility(c, usage({ amount: '99.99' }), AT))).toEqual(['below_threshold']);
    expect(checkEligibility(c, usage({ amount: '100.00' }), AT)).toEqual([]);
  });

  it('seed 002 §Why a coupon cannot be used: another exclusive offer already applied', () => {
    const exclusive = coupon({ combinable: false });
    expect(codes(checkEligibility(exclusive, usage({ otherOffersApplied: true }), AT))).toEqual([
      'exclusive_offer_conflict',
    ]);
    expect(checkEligibility(coupon(), usage({ otherOffersApplied: true }), AT)).toEqual([]);
  });

  it('seed 002 §Paying an order: a coupon frozen for another order is not available', () => {
    const c = coupon({ status: 'frozen', frozenForOrderId: 'o-1' });
    expect(details(checkEligibility(c, usage({ orderId: 'o-2' }), AT))).toEqual([
      'not_available:frozen_for_another_order',
    ]);
    expect(details(checkEligibility(c, usage(), AT))).toEqual([
      'not_available:frozen_for_another_order',
    ]);
  });

  it('seed 002 §Paying an order: a coupon frozen for THIS order stays usable by it', () => {
    const c = coupon({ status: 'frozen', frozenForOrderId: 'o-1' });
    expect(checkEligibility(c, usage({ orderId: 'o-1' }), AT)).toEqual([]);
  });

  it('seed 002 §Coupon list: used and invalid coupons are not available', () => {
    expect(
      details(checkEligibility(coupon({ status: 'used', balance: '0.00' }), usage(), AT)),
    ).toEqual(['not_available:used']);
    expect(details(checkEligibility(coupon({ status: 'invalid' }), usage(), AT))).toEqual([
      'not_available:invalid',
    ]);
  });

  it('seed 002 §Paying an order (issue 4 §Eligibility): currency mismatch (the amount is then not compared)', () => {
    const c = coupon({
      kind: 'threshold',
      faceValue: '10.00',
      balance: '10.00',
      threshold: '100.00',
    });
    expect(codes(checkEligibility(c, usage({ currency: 'JPY', amount: '5' }), AT))).toEqual([
      'currency_mismatch',
    ]);
  });

  it('seed 002 §Sharing: a coupon neither owned by nor shared with the account', () => {
    expect(codes(checkEligibility(coupon(), usage({ couponAccessible: false }), AT))).toEqual([
      'not_shared_with_account',
    ]);
  });

  it('seed 002 §Why a coupon cannot be used: returns EVERY reason, not the first, each with a message', () => {
    const c = coupon({
      kind: 'threshold',
      faceValue: '10.00',
      balance: '10.00',
      threshold: '100.00',
      channel: 'marketplace',
      orderTypes: ['renewal'],
      consumptionType: 'payg',
      minDurationMonths: 12,
      combinable: false,
      status: 'frozen',
      frozenForOrderId: 'other',
      effectiveAt: '2024-04-01T00:00:00Z',
    });
    const r = checkEligibility(
      c,
      usage({
        product: product('cdn'),
        amount: '5.00',
        otherOffersApplied: true,
        couponAccessible: false,
        orderId: 'o',
      }),
      AT,
    );
    expect(codes(r).sort()).toEqual(
      [
        'not_shared_with_account',
        'not_available',
        'not_yet_effective',
        'product_not_covered',
        'channel_mismatch',
        'order_type_not_covered',
        'consumption_type_mismatch',
        'duration_not_met',
        'below_threshold',
        'exclusive_offer_conflict',
      ].sort(),
    );
    for (const reason of r) expect(reason.message.length).toBeGreaterThan(0);
  });
});
