import fc from 'fast-check';
import {
  type Coupon,
  type CurrencyCode,
  type PaygBill,
  type ReturnEvent,
  Dec,
  compareDrawdownOrder,
  computeOrderDeduction,
  decideReturn,
  drawDownBill,
  chooseRenewalCoupon,
} from '../../../domain';
import { AT, ECS, coupon, product } from './fixtures';

const RUNS = { numRuns: 200 };

/** Amount strings on the currency's grid, from 0 to 100 000 major units. */
const amountArb = (currency: CurrencyCode, min = 0): fc.Arbitrary<string> => {
  const digits = currency === 'JPY' ? 0 : 2;
  return fc
    .bigInt({ min: BigInt(min), max: 10_000_000n })
    .map((minor) => new Dec(minor.toString()).dividedBy(10 ** digits).toFixed(digits));
};

const currencyArb = fc.constantFrom<CurrencyCode>('USD', 'JPY', 'CNY');
const expiryArb = fc
  .integer({ min: 0, max: 30 })
  .map((d) => new Date(Date.UTC(2024, 3, 1 + d)).toISOString());

const couponArb = (currency: CurrencyCode): fc.Arbitrary<Coupon> =>
  fc
    .record({
      id: fc.integer({ min: 0, max: 9999 }).map((n) => `c-${n.toString(36)}`),
      kind: fc.constantFrom<Coupon['kind']>('cash', 'threshold', 'discount'),
      face: amountArb(currency, 1),
      balanceShare: fc.integer({ min: 0, max: 100 }),
      threshold: amountArb(currency),
      percent: fc
        .integer({ min: 1, max: 10000 })
        .map((bp) => new Dec(bp).dividedBy(100).toString()),
      expiresAt: expiryArb,
    })
    .map(({ id, kind, face, balanceShare, threshold, percent, expiresAt }) => {
      const digits = currency === 'JPY' ? 0 : 2;
      const balance =
        kind === 'cash'
          ? new Dec(face)
              .times(balanceShare)
              .dividedBy(100)
              .toDecimalPlaces(digits, Dec.ROUND_DOWN)
              .toFixed(digits)
          : face;
      return coupon({
        id,
        kind,
        currency,
        faceValue: face,
        balance,
        expiresAt,
        ...(kind === 'threshold' ? { threshold } : {}),
        ...(kind === 'discount' ? { discountPercent: percent } : {}),
      });
    });

const cashArb = (currency: CurrencyCode): fc.Arbitrary<Coupon> =>
  couponArb(currency).map((c) => ({
    ...c,
    kind: 'cash' as const,
    threshold: undefined,
    discountPercent: undefined,
  }));

describe('properties', () => {
  it('property (seed 002 §Kinds): deduction never exceeds the amount nor the coupon balance; payable = amount − deduction ≥ 0', () => {
    fc.assert(
      fc.property(
        currencyArb.chain((cur) => fc.tuple(couponArb(cur), amountArb(cur))),
        ([c, amount]) => {
          const { deduction, payable } = computeOrderDeduction(c, amount);
          const d = new Dec(deduction);
          expect(d.lessThanOrEqualTo(amount)).toBe(true);
          expect(d.lessThanOrEqualTo(c.balance)).toBe(true);
          expect(d.isNegative()).toBe(false);
          expect(new Dec(payable).plus(d).equals(amount)).toBe(true);
        },
      ),
      RUNS,
    );
  });

  const billArb = currencyArb.chain((cur) =>
    fc.tuple(
      fc.uniqueArray(cashArb(cur), { maxLength: 8, selector: (c) => c.id }),
      amountArb(cur, 1),
      fc.constant(cur),
    ),
  );
  const billFor = (amount: string, currency: CurrencyCode): PaygBill => ({
    billId: 'b',
    accountId: 'acct-1',
    product: ECS,
    amount,
    currency,
    overdue: false,
    outstandingArrears: '0',
    sharedCouponIds: [],
  });

  it('property (seed 002 §Pay-as-you-go): drawdown sum never exceeds the bill; draws + remainder = bill; no draw exceeds its coupon balance', () => {
    fc.assert(
      fc.property(billArb, ([coupons, amount, cur]) => {
        const d = drawDownBill(coupons, billFor(amount, cur), AT);
        const sum = d.draws.reduce((s, x) => s.plus(x.amount), new Dec(0));
        expect(sum.lessThanOrEqualTo(amount)).toBe(true);
        expect(sum.equals(d.couponDeduction)).toBe(true);
        expect(sum.plus(d.remainder).equals(amount)).toBe(true);
        for (const draw of d.draws) {
          const c = coupons.find((x) => x.id === draw.couponId);
          expect(c && new Dec(draw.amount).lessThanOrEqualTo(c.balance)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('property (seed 002 §Pay-as-you-go): drawdown order respects expiry (soonest first) then balance (larger first)', () => {
    fc.assert(
      fc.property(billArb, ([coupons, amount, cur]) => {
        const unique = coupons;
        const d = drawDownBill(unique, billFor(amount, cur), AT);
        const drawn = d.draws.map((x) => unique.find((c) => c.id === x.couponId) as Coupon);
        for (let i = 1; i < drawn.length; i++) {
          const [a, b] = [drawn[i - 1] as Coupon, drawn[i] as Coupon];
          const ea = Date.parse(a.expiresAt);
          const eb = Date.parse(b.expiresAt);
          expect(ea <= eb).toBe(true);
          if (ea === eb) expect(new Dec(a.balance).greaterThanOrEqualTo(b.balance)).toBe(true);
          expect(compareDrawdownOrder(a, b)).toBeLessThan(0);
        }
        // Every coupon before the last drawn one was exhausted.
        for (const draw of d.draws.slice(0, -1))
          expect(new Dec(draw.balanceAfter).isZero()).toBe(true);
      }),
      RUNS,
    );
  });

  const eventArb: fc.Arbitrary<ReturnEvent> = fc.oneof(
    fc.constant<ReturnEvent>({ type: 'order_cancelled_before_payment' }),
    fc.constant<ReturnEvent>({ type: 'provisioning_failed' }),
    fc.constant<ReturnEvent>({ type: 'bill_rolled_back' }),
    fc.integer({ min: 0, max: 1000 }).map((n): ReturnEvent => ({
      type: 'resource_unsubscribed',
      unusedFraction: new Dec(n).dividedBy(1000).toString(),
    })),
    fc
      .tuple(fc.integer({ min: 1, max: 100000 }), fc.integer({ min: 0, max: 150000 }))
      .map(([o, a]): ReturnEvent => ({
        type: 'bill_adjusted',
        originalAmount: `${o}`,
        adjustedAmount: `${a}`,
      })),
  );

  it('property (seed 002 §Returns): a return never gives back more than was used, nor pushes the balance past face value', () => {
    fc.assert(
      fc.property(
        couponArb('USD'),
        fc.integer({ min: 0, max: 100 }),
        eventArb,
        fc.constantFrom('ecs', 'domain', 'virtualhost', 'mns'),
        (c, usedShare, event, code) => {
          const used = new Dec(c.faceValue)
            .times(usedShare)
            .dividedBy(100)
            .toDecimalPlaces(2, Dec.ROUND_DOWN)
            .toFixed(2);
          const r = decideReturn(c, used, event, product(code), AT);
          expect(new Dec(r.returnedAmount).lessThanOrEqualTo(used)).toBe(true);
          expect(new Dec(r.balanceAfter).lessThanOrEqualTo(c.faceValue)).toBe(true);
          expect(new Dec(r.returnedAmount).isNegative()).toBe(false);
        },
      ),
      RUNS,
    );
  });

  it('property (issue 4 §determinism): same inputs → same result (deduction, drawdown, renewal, return), regardless of list order', () => {
    fc.assert(
      fc.property(billArb, eventArb, ([coupons, amount, cur], event) => {
        const bill = billFor(amount, cur);
        expect(drawDownBill(coupons, bill, AT)).toEqual(drawDownBill(coupons, bill, AT));
        const unique = coupons;
        expect(drawDownBill([...unique].reverse(), bill, AT).draws).toEqual(
          drawDownBill(unique, bill, AT).draws,
        );
        const order = {
          accountId: 'acct-1',
          product: ECS,
          consumptionType: 'subscription' as const,
          amount,
          currency: cur,
          otherOffersApplied: false,
          sharedCouponIds: [],
        };
        expect(chooseRenewalCoupon([...unique].reverse(), order, AT)).toEqual(
          chooseRenewalCoupon(unique, order, AT),
        );
        for (const c of coupons) {
          expect(computeOrderDeduction(c, amount)).toEqual(computeOrderDeduction(c, amount));
          expect(decideReturn(c, c.balance, event, ECS, AT)).toEqual(
            decideReturn(c, c.balance, event, ECS, AT),
          );
        }
      }),
      { numRuns: 100 },
    );
  });
});
