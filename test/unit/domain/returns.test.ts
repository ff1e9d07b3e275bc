import { decideReturn, type ReturnEvent } from '../../../domain';
import { AT, ECS, coupon, product } from './fixtures';

const cash = coupon({ faceValue: '100.00', balance: '40.00' });
const threshold = coupon({
  kind: 'threshold',
  faceValue: '10.00',
  balance: '0.00',
  threshold: '50.00',
  status: 'used',
});
const discount = coupon({
  kind: 'discount',
  faceValue: '20.00',
  balance: '0.00',
  discountPercent: '10',
  status: 'used',
});

describe('coupon returns', () => {
  it('seed 002 §Returns: order cancelled before payment releases a frozen coupon', () => {
    const frozen = coupon({ status: 'frozen', frozenForOrderId: 'o-1' });
    expect(
      decideReturn(frozen, '30.00', { type: 'order_cancelled_before_payment' }, ECS, AT),
    ).toMatchObject({
      outcome: 'released',
      returnedAmount: '0.00',
      balanceAfter: '100.00',
      statusAfter: 'available',
      rule: 'freeze_released',
    });
  });

  it('seed 002 §Returns: cancelling an unpaid domain order still releases its frozen coupon (nothing was used)', () => {
    const frozen = coupon({ status: 'frozen', frozenForOrderId: 'o-1' });
    expect(
      decideReturn(
        frozen,
        '30.00',
        { type: 'order_cancelled_before_payment' },
        product('domain'),
        AT,
      ).outcome,
    ).toBe('released');
  });

  it('seed 002 §Returns: order cancelled before payment returns a booked coupon fully (any kind)', () => {
    const ev: ReturnEvent = { type: 'order_cancelled_before_payment' };
    expect(decideReturn(cash, '60.00', ev, ECS, AT)).toMatchObject({
      outcome: 'returned',
      returnedAmount: '60.00',
      balanceAfter: '100.00',
      statusAfter: 'available',
    });
    expect(decideReturn(discount, '7.00', ev, ECS, AT)).toMatchObject({
      outcome: 'returned',
      returnedAmount: '7.00',
      balanceAfter: '20.00',
      statusAfter: 'available',
    });
  });

  it.each(['provisioning_failed', 'bill_rolled_back'] as const)(
    'seed 002 §Returns: %s returns cash and threshold coupons',
    (type) => {
      expect(decideReturn(cash, '60.00', { type }, ECS, AT)).toMatchObject({
        outcome: 'returned',
        returnedAmount: '60.00',
        balanceAfter: '100.00',
        rule: 'failure_returned',
      });
      expect(decideReturn(threshold, '10.00', { type }, ECS, AT)).toMatchObject({
        outcome: 'returned',
        returnedAmount: '10.00',
        balanceAfter: '10.00',
        statusAfter: 'available',
      });
    },
  );

  it.each(['provisioning_failed', 'bill_rolled_back'] as const)(
    'seed 002 §Returns: %s does not return discount coupons',
    (type) => {
      expect(decideReturn(discount, '7.00', { type }, ECS, AT)).toMatchObject({
        outcome: 'not_returned',
        returnedAmount: '0.00',
        statusAfter: 'used',
        rule: 'failure_discount_not_returned',
      });
    },
  );

  it.each(['domain', 'virtualhost'])(
    'seed 002 §Returns special products: coupons used for %s never come back, even on provisioning failure',
    (code) => {
      for (const type of [
        'provisioning_failed',
        'bill_rolled_back',
        'order_cancelled_before_payment',
      ] as const) {
        expect(decideReturn(cash, '60.00', { type }, product(code), AT)).toMatchObject({
          outcome: 'not_returned',
          balanceAfter: '40.00',
          rule: 'never_returned_product',
        });
      }
    },
  );

  it('seed 002 §Returns (rule choice): unsubscription returns cash pro rata to the unused part, rounded down', () => {
    // 33.33 × 0.5 = 16.665 → 16.66
    expect(
      decideReturn(
        cash,
        '33.33',
        { type: 'resource_unsubscribed', unusedFraction: '0.5' },
        ECS,
        AT,
      ),
    ).toMatchObject({
      outcome: 'returned',
      returnedAmount: '16.66',
      balanceAfter: '56.66',
      rule: 'unsubscribed_cash_pro_rata',
    });
    expect(
      decideReturn(cash, '33.33', { type: 'resource_unsubscribed', unusedFraction: '0' }, ECS, AT)
        .returnedAmount,
    ).toBe('0.00');
    expect(() =>
      decideReturn(cash, '1.00', { type: 'resource_unsubscribed', unusedFraction: '1.5' }, ECS, AT),
    ).toThrow();
  });

  it('seed 002 §Returns (rule choice): unsubscription returns no threshold or discount coupon', () => {
    const ev: ReturnEvent = { type: 'resource_unsubscribed', unusedFraction: '0.9' };
    expect(decideReturn(threshold, '10.00', ev, ECS, AT).rule).toBe(
      'unsubscribed_single_use_not_returned',
    );
    expect(decideReturn(discount, '7.00', ev, ECS, AT).outcome).toBe('not_returned');
  });

  it('seed 002 §Returns (rule choice): bill adjusted down returns cash in proportion to the reduction', () => {
    // Coupon paid 60 of a 100 bill; bill cut to 70 → 60 × 30/100 = 18.
    const ev: ReturnEvent = {
      type: 'bill_adjusted',
      originalAmount: '100.00',
      adjustedAmount: '70.00',
    };
    expect(decideReturn(cash, '60.00', ev, ECS, AT)).toMatchObject({
      outcome: 'returned',
      returnedAmount: '18.00',
      balanceAfter: '58.00',
      rule: 'adjusted_cash_pro_rata',
    });
  });

  it('seed 002 §Returns (rule choice): bill adjusted up or unchanged returns nothing; single-use never', () => {
    const up: ReturnEvent = {
      type: 'bill_adjusted',
      originalAmount: '100.00',
      adjustedAmount: '120.00',
    };
    expect(decideReturn(cash, '60.00', up, ECS, AT).rule).toBe('adjusted_not_downward');
    const down: ReturnEvent = {
      type: 'bill_adjusted',
      originalAmount: '100.00',
      adjustedAmount: '0.00',
    };
    expect(decideReturn(threshold, '10.00', down, ECS, AT).rule).toBe(
      'adjusted_single_use_not_returned',
    );
  });

  it('seed 002 §Returns: a coupon returned after its expiry comes back expired', () => {
    const late = '2025-01-15T00:00:00Z';
    expect(decideReturn(cash, '60.00', { type: 'provisioning_failed' }, ECS, late)).toMatchObject({
      outcome: 'returned',
      balanceAfter: '100.00',
      statusAfter: 'expired',
    });
    const frozen = coupon({ status: 'frozen', frozenForOrderId: 'o-1' });
    expect(
      decideReturn(frozen, '1.00', { type: 'order_cancelled_before_payment' }, ECS, late)
        .statusAfter,
    ).toBe('expired');
  });

  it('seed 002 §Returns: never returns more than was used, nor past the face value', () => {
    // Inconsistent input (balance 90 + used 60 > face 100): only 10 can come back.
    const d = decideReturn(
      coupon({ balance: '90.00' }),
      '60.00',
      { type: 'provisioning_failed' },
      ECS,
      AT,
    );
    expect([d.returnedAmount, d.balanceAfter]).toEqual(['10.00', '100.00']);
  });
});
