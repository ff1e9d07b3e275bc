/**
 * Issue 5: no double spend under concurrency, on the real database. Many orders
 * (freeze, then deduct the quote) and bills fire at once against one cash coupon:
 * the total deducted equals the value available, never more, and the balance
 * never goes below 0 at any movement. (The 50-active limit under 25 racing
 * redemptions is in codes.test.ts.)
 */
import { ApplicationFailure } from '@temporalio/common';
import { Dec } from '../../../domain';
import { useLedgerDatabase } from '../../support/ledger-harness';
import { T0, createAccount, grantCoupon, uid } from '../../support/ledger-fixtures';
import { couponState } from '../../support/ledger-reads';

jest.setTimeout(120_000);
const t = useLedgerDatabase();

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Why a freeze was refused, as "code/detail" of its first reason ("" when not a refusal). */
function refusalReason(err: unknown): string {
  if (!(err instanceof ApplicationFailure) || err.type !== 'coupon_not_eligible') return '';
  const reasons = (err.details?.[0] as { reasons?: { code: string; detail?: string }[] })?.reasons;
  const first = reasons?.[0];
  return first ? `${first.code}/${first.detail ?? ''}` : '';
}

/**
 * One order's payment with the coupon: freeze it (waiting while another unpaid
 * order holds it), then deduct the quoted deduction. Returns what it deducted, or
 * null when the coupon was used up before this order got it.
 */
async function payOrderWithCoupon(
  accountId: string,
  couponId: string,
  amount: string,
): Promise<string | null> {
  const orderId = uid('ord');
  for (let attempt = 0; attempt < 500; attempt++) {
    let deduction: string;
    try {
      ({ deduction } = await t.ledger.freezeCouponForOrder({
        accountId,
        couponId,
        orderId,
        commodityCode: 'ecs',
        orderType: 'new_purchase',
        amount,
        currency: 'USD',
        at: T0,
        operationKey: `order/${orderId}:freeze:${attempt}`,
      }));
    } catch (err) {
      const reason = refusalReason(err);
      if (reason === 'not_available/used') return null;
      if (reason !== 'not_available/frozen_for_another_order') throw err;
      await pause(2 + Math.random() * 10);
      continue;
    }
    const paid = await t.ledger.deductCoupon({
      couponId,
      orderId,
      amount: deduction,
      at: T0,
      operationKey: `order/${orderId}:deduct`,
    });
    return paid.deducted;
  }
  throw new Error(`order ${orderId} never got the coupon`);
}

/** The coupon's movements, oldest first: each balanceAfter is the previous plus its delta, never < 0. */
async function expectSoundChain(couponId: string): Promise<void> {
  const movements = await t.db.couponMovement.findMany({
    where: { couponId },
    orderBy: { id: 'asc' },
  });
  let balance = new Dec(0);
  for (const m of movements) {
    balance = balance.plus(m.balanceDelta.toString());
    expect(balance.toString()).toBe(new Dec(m.balanceAfter.toString()).toString());
    expect(balance.isNegative()).toBe(false);
  }
}

async function totalDeducted(couponId: string): Promise<string> {
  const sum = await t.db.couponMovement.aggregate({
    where: { couponId, kind: 'deduct' },
    _sum: { balanceDelta: true },
  });
  return new Dec((sum._sum.balanceDelta ?? 0).toString()).negated().toString();
}

test('one 100.00 cash coupon, 50 concurrent orders of 7.00: exactly 100.00 is deducted, never more', async () => {
  const accountId = await createAccount(t.db);
  const couponId = await grantCoupon(t.db, { ownerAccountId: accountId, faceValue: '100.00' });

  const outcomes = await Promise.all(
    Array.from({ length: 50 }, () => payOrderWithCoupon(accountId, couponId, '7.00')),
  );

  const paid = outcomes.filter((o): o is string => o !== null);
  // 14 orders take 7.00 (98.00), one takes the last 2.00, the other 35 find it used.
  expect(paid.filter((p) => p === '7.00')).toHaveLength(14);
  expect(paid.filter((p) => p === '2.00')).toHaveLength(1);
  expect(outcomes.filter((o) => o === null)).toHaveLength(35);
  expect(await totalDeducted(couponId)).toBe('100');
  expect(await couponState(t.db, couponId)).toEqual({
    balance: '0',
    status: 'used',
    frozenForOrderId: null,
  });
  expect(await t.db.couponMovement.count({ where: { couponId, kind: 'deduct' } })).toBe(15);
  await expectSoundChain(couponId);
});

test('bills drawing down race orders on the same coupon: together they never take more than it holds', async () => {
  const accountId = await createAccount(t.db);
  const couponId = await grantCoupon(t.db, { ownerAccountId: accountId, faceValue: '100.00' });

  const orders = Array.from({ length: 10 }, () => payOrderWithCoupon(accountId, couponId, '15.00'));
  const bills = Array.from({ length: 6 }, () =>
    t.ledger.drawDownBill({
      billId: uid('bill'),
      accountId,
      commodityCode: 'ecs',
      amount: '10.00',
      currency: 'USD',
      overdue: false,
      at: T0,
      operationKey: uid('op'),
    }),
  );
  const [orderOutcomes, billResults] = await Promise.all([Promise.all(orders), Promise.all(bills)]);

  const byOrders = orderOutcomes.reduce((sum, o) => sum.plus(o ?? 0), new Dec(0));
  const byBills = billResults.reduce((sum, b) => sum.plus(b.couponDeduction), new Dec(0));
  for (const b of billResults) {
    // A bill drew its whole amount, or nothing while an unpaid order held the coupon, or the rest.
    expect(new Dec(b.couponDeduction).plus(b.remainder).toString()).toBe('10');
  }
  // Orders keep trying until the coupon is used up, so all of it is spent, exactly once.
  expect(byOrders.plus(byBills).toString()).toBe('100');
  expect(await totalDeducted(couponId)).toBe('100');
  expect(await couponState(t.db, couponId)).toMatchObject({ balance: '0', status: 'used' });
  await expectSoundChain(couponId);
});

test('the same freeze fired 10 times at once with one key freezes once, and every caller gets the same quote', async () => {
  const accountId = await createAccount(t.db);
  const couponId = await grantCoupon(t.db, { ownerAccountId: accountId });
  const input = {
    accountId,
    couponId,
    orderId: uid('ord'),
    commodityCode: 'ecs',
    orderType: 'new_purchase' as const,
    amount: '30.00',
    currency: 'USD' as const,
    at: T0,
    operationKey: uid('op'),
  };
  const quotes = await Promise.all(
    Array.from({ length: 10 }, () => t.ledger.freezeCouponForOrder(input)),
  );
  for (const quote of quotes) {
    expect(quote).toEqual({
      couponId,
      orderId: input.orderId,
      deduction: '30.00',
      payable: '0.00',
    });
  }
  expect(await t.db.couponMovement.count({ where: { couponId, kind: 'freeze' } })).toBe(1);
});
