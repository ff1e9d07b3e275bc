import { chooseRenewalCoupon, type RenewalOrder } from '../../../domain';
import { AT, ECS, coupon } from './fixtures';

const order: RenewalOrder = {
  accountId: 'acct-1',
  product: ECS,
  consumptionType: 'subscription',
  amount: '50.00',
  currency: 'USD',
  durationMonths: 1,
  otherOffersApplied: false,
  sharedCouponIds: [],
};

describe('auto-renewal choice (seed 002 §Paying an order: auto-renewal picks by rule)', () => {
  it('seed 002 §Renewal: returns null when no coupon is eligible', () => {
    expect(chooseRenewalCoupon([], order, AT)).toBeNull();
    expect(chooseRenewalCoupon([coupon({ orderTypes: ['new_purchase'] })], order, AT)).toBeNull();
  });

  it('seed 002 §Renewal rule 1: largest deduction wins', () => {
    const small = coupon({ id: 'a', balance: '10.00', expiresAt: '2024-04-01T00:00:00Z' });
    const large = coupon({ id: 'b', balance: '40.00' });
    expect(chooseRenewalCoupon([small, large], order, AT)?.coupon.id).toBe('b');
  });

  it('seed 002 §Renewal rule 2: equal deduction → soonest expiry', () => {
    const later = coupon({ id: 'a', balance: '80.00', expiresAt: '2024-12-01T00:00:00Z' });
    const sooner = coupon({ id: 'b', balance: '60.00', expiresAt: '2024-06-01T00:00:00Z' });
    expect(chooseRenewalCoupon([later, sooner], order, AT)?.coupon.id).toBe('b');
  });

  it('seed 002 §Renewal rule 3: equal deduction and expiry → larger balance', () => {
    const smaller = coupon({ id: 'a', balance: '60.00' });
    const larger = coupon({ id: 'b', balance: '80.00' });
    expect(chooseRenewalCoupon([smaller, larger], order, AT)?.coupon.id).toBe('b');
  });

  it('seed 002 §Renewal rule 4: all equal → lexicographically smallest id', () => {
    const choice = chooseRenewalCoupon([coupon({ id: 'c-b' }), coupon({ id: 'c-a' })], order, AT);
    expect(choice).toMatchObject({ coupon: { id: 'c-a' }, deduction: '50.00', payable: '0.00' });
  });

  it('seed 002 §Renewal: skips coupons that would deduct nothing and coupons not shared with the account', () => {
    const zero = coupon({
      id: 'z',
      kind: 'discount',
      faceValue: '1.00',
      balance: '1.00',
      discountPercent: '0.01',
    });
    const foreign = coupon({ id: 'f', ownerAccountId: 'other' });
    expect(chooseRenewalCoupon([zero, foreign], { ...order, amount: '0.50' }, AT)).toBeNull();
    expect(
      chooseRenewalCoupon([foreign], { ...order, sharedCouponIds: ['f'] }, AT)?.coupon.id,
    ).toBe('f');
  });

  it('seed 002 §Renewal: deterministic, input order does not matter', () => {
    const cs = [
      coupon({ id: 'x', balance: '50.00' }),
      coupon({ id: 'y', balance: '50.00' }),
      coupon({ id: 'w', balance: '70.00', expiresAt: '2024-11-01T00:00:00Z' }),
    ];
    const a = chooseRenewalCoupon(cs, order, AT);
    const b = chooseRenewalCoupon([...cs].reverse(), order, AT);
    expect(a?.coupon.id).toBe('w');
    expect(b).toEqual(a);
  });
});
