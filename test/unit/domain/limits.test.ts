import {
  MAX_ACTIVE_COUPONS,
  checkCouponClaim,
  countActiveCoupons,
  remainingCouponSlots,
} from '../../../domain';
import { AT, coupon } from './fixtures';

describe('account coupon limit', () => {
  it('seed 002 §Limits: at most 50 active coupons; says how many more fit', () => {
    expect(MAX_ACTIVE_COUPONS).toBe(50);
    expect(remainingCouponSlots(0)).toBe(50);
    expect(remainingCouponSlots(48)).toBe(2);
    expect(remainingCouponSlots(50)).toBe(0);
    expect(remainingCouponSlots(57)).toBe(0);
    expect(() => remainingCouponSlots(-1)).toThrow(RangeError);
  });

  it('seed 002 §Limits: the 51st claim is refused; claiming 3 with 2 free is refused', () => {
    expect(checkCouponClaim(49)).toMatchObject({ allowed: true, remaining: 1 });
    expect(checkCouponClaim(50)).toMatchObject({ allowed: false, remaining: 0 });
    expect(checkCouponClaim(48, 3)).toMatchObject({ allowed: false, remaining: 2 });
  });

  it('seed 002 §Limits: frozen coupons count; used, expired and invalid do not; only owned coupons', () => {
    const coupons = [
      coupon({ id: '1' }),
      coupon({ id: '2', status: 'frozen', frozenForOrderId: 'o' }),
      coupon({ id: '3', status: 'used', balance: '0.00' }),
      coupon({ id: '4', expiresAt: '2024-02-01T00:00:00Z' }),
      coupon({ id: '5', status: 'invalid' }),
      coupon({ id: '6', ownerAccountId: 'other' }),
    ];
    expect(countActiveCoupons(coupons, 'acct-1', AT)).toBe(2);
  });
});
