import { drawDownBill, type PaygBill } from '../../../domain';
import { AT, ECS, coupon } from './fixtures';

const bill: PaygBill = {
  billId: 'b-1',
  accountId: 'acct-1',
  product: ECS,
  amount: '100.00',
  currency: 'USD',
  overdue: false,
  outstandingArrears: '0.00',
  sharedCouponIds: [],
};

const ids = (d: ReturnType<typeof drawDownBill>): string[] => d.draws.map((x) => x.couponId);

describe('pay-as-you-go drawdown', () => {
  it('seed 002 §Pay-as-you-go: closest to expiry first', () => {
    const later = coupon({
      id: 'a',
      balance: '500.00',
      faceValue: '500.00',
      expiresAt: '2024-12-01T00:00:00Z',
    });
    const sooner = coupon({
      id: 'b',
      balance: '500.00',
      faceValue: '500.00',
      expiresAt: '2024-05-01T00:00:00Z',
    });
    expect(ids(drawDownBill([later, sooner], bill, AT))).toEqual(['b']);
  });

  it('seed 002 §Pay-as-you-go: equal expiry → larger balance first', () => {
    const small = coupon({ id: 'a', balance: '200.00', faceValue: '500.00' });
    const big = coupon({ id: 'b', balance: '300.00', faceValue: '500.00' });
    expect(ids(drawDownBill([small, big], bill, AT))).toEqual(['b']);
  });

  it('seed 002 §Pay-as-you-go: equal expiry and balance → coupon id (stable key)', () => {
    expect(ids(drawDownBill([coupon({ id: 'c-2' }), coupon({ id: 'c-1' })], bill, AT))).toEqual([
      'c-1',
    ]);
  });

  it('seed 002 §Pay-as-you-go: the next cash coupon pays the rest, until the bill is paid', () => {
    const d = drawDownBill(
      [
        coupon({ id: 'a', balance: '30.00', expiresAt: '2024-04-01T00:00:00Z' }),
        coupon({ id: 'b', balance: '50.00', expiresAt: '2024-05-01T00:00:00Z' }),
        coupon({ id: 'c', balance: '90.00', expiresAt: '2024-06-01T00:00:00Z' }),
        coupon({ id: 'd', balance: '90.00', expiresAt: '2024-07-01T00:00:00Z' }),
      ],
      bill,
      AT,
    );
    expect(d.draws).toEqual([
      { couponId: 'a', amount: '30.00', balanceAfter: '0.00' },
      { couponId: 'b', amount: '50.00', balanceAfter: '0.00' },
      { couponId: 'c', amount: '20.00', balanceAfter: '70.00' },
    ]);
    expect([d.couponDeduction, d.remainder]).toEqual(['100.00', '0.00']);
  });

  it('seed 002 §Pay-as-you-go: what remains after all coupons is paid separately', () => {
    const d = drawDownBill(
      [coupon({ id: 'a', balance: '30.00' }), coupon({ id: 'b', balance: '25.50' })],
      bill,
      AT,
    );
    expect([d.couponDeduction, d.remainder]).toEqual(['55.50', '44.50']);
  });

  it('seed 002 §Pay-as-you-go: only eligible cash coupons draw (threshold, discount, frozen, foreign, payg-excluded skipped)', () => {
    const d = drawDownBill(
      [
        coupon({
          id: 't',
          kind: 'threshold',
          faceValue: '10.00',
          balance: '10.00',
          threshold: '1.00',
        }),
        coupon({
          id: 'd',
          kind: 'discount',
          faceValue: '10.00',
          balance: '10.00',
          discountPercent: '10',
        }),
        coupon({ id: 'f', status: 'frozen', frozenForOrderId: 'o-1' }),
        coupon({ id: 'x', ownerAccountId: 'someone-else' }),
        coupon({ id: 's', consumptionType: 'subscription' }),
        coupon({ id: 'ok', balance: '5.00' }),
      ],
      bill,
      AT,
    );
    expect(ids(d)).toEqual(['ok']);
    expect(d.skipped.map((s) => s.couponId)).toEqual(['t', 'd', 'f', 'x', 's']);
  });

  it('seed 002 §Sharing: a coupon shared with the account draws', () => {
    const shared = coupon({ id: 'sh', ownerAccountId: 'parent' });
    expect(ids(drawDownBill([shared], { ...bill, sharedCouponIds: ['sh'] }, AT))).toEqual(['sh']);
  });

  it('seed 002 §Pay-as-you-go arrears: coupons never pay an overdue bill', () => {
    const d = drawDownBill([coupon()], { ...bill, overdue: true }, AT);
    expect(d).toMatchObject({
      draws: [],
      couponDeduction: '0.00',
      remainder: '100.00',
      blockedBy: 'overdue_bill',
    });
  });

  it('seed 002 §Pay-as-you-go arrears: while arrears are uncleared coupons pay nothing; once cleared they pay again', () => {
    const blocked = drawDownBill([coupon()], { ...bill, outstandingArrears: '12.00' }, AT);
    expect(blocked).toMatchObject({
      draws: [],
      remainder: '100.00',
      blockedBy: 'outstanding_arrears',
    });
    const cleared = drawDownBill([coupon()], { ...bill, outstandingArrears: '0.00' }, AT);
    expect(cleared).toMatchObject({ couponDeduction: '100.00', blockedBy: null });
  });
});

it('seed 002 §Pay-as-you-go: drawdown refuses a coupon list with duplicate ids (its balance would be drawn twice)', () => {
  expect(() => drawDownBill([coupon({ id: 'a' }), coupon({ id: 'a' })], bill, AT)).toThrow(
    RangeError,
  );
});
