import { computeOrderDeduction, quoteOrder, selectCouponForOrder } from '../../../domain';
import { AT, coupon, product, usage } from './fixtures';

describe('order deduction', () => {
  it('seed 002 §Kinds cash: deducts up to its balance; payable is the rest', () => {
    expect(computeOrderDeduction(coupon({ balance: '30.00' }), '50.00')).toEqual({
      deduction: '30.00',
      payable: '20.00',
    });
  });

  it('seed 002 §Kinds cash: never more than the order amount', () => {
    expect(computeOrderDeduction(coupon({ balance: '100.00' }), '12.34')).toEqual({
      deduction: '12.34',
      payable: '0.00',
    });
  });

  it('seed 002 §Kinds threshold: amount off only at or above the threshold', () => {
    const c = coupon({
      kind: 'threshold',
      faceValue: '10.00',
      balance: '10.00',
      threshold: '100.00',
    });
    expect(computeOrderDeduction(c, '100.00')).toEqual({ deduction: '10.00', payable: '90.00' });
    expect(computeOrderDeduction(c, '250.00')).toEqual({ deduction: '10.00', payable: '240.00' });
    expect(computeOrderDeduction(c, '99.99')).toEqual({ deduction: '0.00', payable: '99.99' });
  });

  it('seed 002 §Kinds threshold: a threshold below the amount off never deducts more than the amount', () => {
    const c = coupon({
      kind: 'threshold',
      faceValue: '10.00',
      balance: '10.00',
      threshold: '5.00',
    });
    expect(computeOrderDeduction(c, '6.00')).toEqual({ deduction: '6.00', payable: '0.00' });
  });

  it('seed 002 §Kinds discount: percentage off, rounded DOWN to the minor unit (rounding rule)', () => {
    const c = coupon({
      kind: 'discount',
      faceValue: '50.00',
      balance: '50.00',
      discountPercent: '15',
    });
    // 15% of 33.33 = 4.9995 → 4.99
    expect(computeOrderDeduction(c, '33.33')).toEqual({ deduction: '4.99', payable: '28.34' });
  });

  it('seed 002 §Kinds discount: capped at the maximum discount', () => {
    const c = coupon({
      kind: 'discount',
      faceValue: '20.00',
      balance: '20.00',
      discountPercent: '50',
    });
    expect(computeOrderDeduction(c, '100.00')).toEqual({ deduction: '20.00', payable: '80.00' });
  });

  it('issue 4 §Money rounding rule in a zero-decimal currency (JPY)', () => {
    const c = coupon({
      kind: 'discount',
      currency: 'JPY',
      faceValue: '5000',
      balance: '5000',
      discountPercent: '7.5',
    });
    // 7.5% of 999 = 74.925 → 74
    expect(computeOrderDeduction(c, '999')).toEqual({ deduction: '74', payable: '925' });
  });

  it('seed 002 §Kinds: a used single-use coupon (balance "0") deducts nothing', () => {
    const c = coupon({
      kind: 'discount',
      faceValue: '20.00',
      balance: '0.00',
      discountPercent: '10',
      status: 'used',
    });
    expect(computeOrderDeduction(c, '100.00').deduction).toBe('0.00');
  });

  it('seed 002 §Paying an order: one coupon per order', () => {
    expect(selectCouponForOrder([])).toEqual({ ok: true, coupon: null });
    const one = coupon();
    expect(selectCouponForOrder([one])).toEqual({ ok: true, coupon: one });
    const two = selectCouponForOrder([one, coupon({ id: 'c-2' })]);
    expect(two.ok).toBe(false);
    if (!two.ok) expect(two.error).toBe('one_coupon_per_order');
  });

  it('seed 002 §Paying an order: one cash coupon serves several orders until its balance is gone', () => {
    let c = coupon({ balance: '100.00' });
    const first = computeOrderDeduction(c, '60.00');
    c = { ...c, balance: '40.00' };
    const second = computeOrderDeduction(c, '60.00');
    expect([first.deduction, second.deduction, second.payable]).toEqual([
      '60.00',
      '40.00',
      '20.00',
    ]);
  });

  it('seed 002 §Paying an order: quoteOrder ineligible coupons are refused with their reasons; eligible ones quoted', () => {
    const refused = quoteOrder(coupon(), usage({ product: product('domain') }), AT);
    expect(refused.ok).toBe(false);
    expect(quoteOrder(coupon({ balance: '20.00' }), usage(), AT)).toEqual({
      ok: true,
      couponId: 'c-1',
      deduction: '20.00',
      payable: '30.00',
    });
  });
});
