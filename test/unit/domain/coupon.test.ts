import {
  compareInstants,
  effectiveStatus,
  isActiveAt,
  isCouponAccessible,
  isIsoInstant,
} from '../../../domain';
import { coupon } from './fixtures';

describe('coupon status', () => {
  it('seed 002 §Coupon list: an available coupon reads as expired at its expiry instant', () => {
    const c = coupon({ expiresAt: '2024-06-01T00:00:00Z' });
    expect(effectiveStatus(c, '2024-05-31T23:59:59.999Z')).toBe('available');
    expect(effectiveStatus(c, '2024-06-01T00:00:00Z')).toBe('expired');
  });

  it('seed 002 §Coupon list: a frozen coupon past expiry reads as expired', () => {
    const c = coupon({
      status: 'frozen',
      frozenForOrderId: 'o-1',
      expiresAt: '2024-06-01T00:00:00Z',
    });
    expect(effectiveStatus(c, '2024-06-02T00:00:00Z')).toBe('expired');
  });

  it('seed 002 §Kinds: a cash coupon with nothing left reads as used; used and invalid are final', () => {
    expect(effectiveStatus(coupon({ balance: '0.00' }), '2024-02-01T00:00:00Z')).toBe('used');
    expect(effectiveStatus(coupon({ status: 'used' }), '2025-06-01T00:00:00Z')).toBe('used');
    expect(effectiveStatus(coupon({ status: 'invalid' }), '2025-06-01T00:00:00Z')).toBe('invalid');
  });

  it('issue 4 §Time: accepts epoch milliseconds as the instant', () => {
    const c = coupon({ expiresAt: '2024-06-01T00:00:00Z' });
    expect(effectiveStatus(c, Date.parse('2024-06-01T00:00:00Z'))).toBe('expired');
  });

  it('issue 4 §Time: rejects an ISO instant without a zone (would depend on the host timezone)', () => {
    expect(() => effectiveStatus(coupon(), '2024-06-01T00:00:00')).toThrow(/zone/);
  });

  it('seed 002 §Limits: available and frozen are active; expired is not', () => {
    expect(isActiveAt(coupon(), '2024-02-01T00:00:00Z')).toBe(true);
    expect(
      isActiveAt(coupon({ status: 'frozen', frozenForOrderId: 'o' }), '2024-02-01T00:00:00Z'),
    ).toBe(true);
    expect(isActiveAt(coupon(), '2025-02-01T00:00:00Z')).toBe(false);
  });

  it('seed 002 §Sharing: owner or shared coupon ids are accessible', () => {
    const c = coupon({ id: 'c-9', ownerAccountId: 'a' });
    expect(isCouponAccessible(c, 'a', [])).toBe(true);
    expect(isCouponAccessible(c, 'b', ['c-9'])).toBe(true);
    expect(isCouponAccessible(c, 'b', ['c-1'])).toBe(false);
  });
});

it('issue 4 §Time: calendar-invalid dates are rejected, offsets are honoured', () => {
  expect(isIsoInstant('2024-02-30T00:00:00Z')).toBe(false);
  expect(isIsoInstant('2024-02-29T00:00:00Z')).toBe(true);
  expect(compareInstants('2024-01-01T08:00:00+08:00', '2024-01-01T00:00:00Z')).toBe(0);
});
