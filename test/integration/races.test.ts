/**
 * Issue 9, races on the real database through the workflows and the client
 * library: a cancellation racing a payment, a bill's drawdown racing an order on
 * the same cash coupon, many orders on one cash coupon. No negative balance, no
 * double spend, every refusal explained; ledger check after each (support).
 */
import {
  cancelOrder,
  createOrder,
  getOrderResult,
  getOrderState,
  OrderRefusal,
  payOrder,
} from '../../client/orders';
import { BillRefusal, settleBill } from '../../client/bills';
import { uid } from '../support/ledger-fixtures';
import {
  couponRow,
  createPayingAccount,
  eventually,
  grantCouponNow,
  movementsOf,
  paymentsOf,
  useOrderEngine,
} from './order/support';

jest.setTimeout(120_000);

const t = useOrderEngine();

const newOrder = (accountId: string, couponId: string, orderId = uid('ord-race')) =>
  createOrder(t.ctx, {
    orderId,
    accountId,
    commodityCode: 'ecs',
    orderType: 'new_purchase',
    amount: '50.00',
    currency: 'USD',
    durationMonths: 1,
    couponId,
  });

const refusalCode = (reason: unknown): string => {
  if (reason instanceof OrderRefusal || reason instanceof BillRefusal) return reason.code;
  throw reason;
};

test('a cancellation racing a payment: exactly one wins, the coupon is deducted or released, never both', async () => {
  const ROUNDS = 6;
  const outcomes = await Promise.all(
    Array.from({ length: ROUNDS }, async (_, i) => {
      const { accountId } = await createPayingAccount(t.db);
      const couponId = await grantCouponNow(t.db, {
        ownerAccountId: accountId,
        faceValue: '10.00',
      });
      const { orderId } = await newOrder(accountId, couponId);
      // Alternate who is sent first; both are in flight together.
      const calls =
        i % 2 === 0
          ? [payOrder(t.ctx, { orderId }), cancelOrder(t.ctx, { orderId, reason: 'race' })]
          : [
              cancelOrder(t.ctx, { orderId, reason: 'race' }),
              payOrder(t.ctx, { orderId }),
            ].reverse();
      const [pay, cancel] = await Promise.allSettled(calls);
      const kinds = (await movementsOf(t.db, couponId)).map((m) => m.kind);
      const charges = (await paymentsOf(t.db, orderId)).filter((p) => p.kind === 'charge');
      if (pay?.status === 'fulfilled' && (pay.value as { paid?: boolean }).paid) {
        // The payment won: the cancellation is refused because the order is paid.
        expect(cancel?.status).toBe('rejected');
        expect(refusalCode((cancel as PromiseRejectedResult).reason)).toBe('order_already_paid');
        expect(kinds).toEqual(['redeem', 'freeze', 'deduct']);
        expect(charges).toEqual([expect.objectContaining({ status: 'succeeded' })]);
        await eventually(
          () => getOrderState(t.ctx, orderId),
          (s) => s.stage === 'active',
        );
        return 'paid';
      }
      // The cancellation won: the payment is refused, nothing charged, the coupon released.
      expect(cancel?.status).toBe('fulfilled');
      expect(pay?.status).toBe('rejected');
      expect(refusalCode((pay as PromiseRejectedResult).reason)).toBe('order_closed');
      expect((await getOrderResult(t.ctx, orderId)).outcome).toBe('cancelled');
      expect(kinds).toEqual(['redeem', 'freeze', 'release']);
      expect(charges).toEqual([]);
      expect(await couponRow(t.db, couponId)).toMatchObject({
        status: 'available',
        balance: '10.00',
      });
      return 'cancelled';
    }),
  );
  expect(outcomes).toHaveLength(ROUNDS);
});

test('many orders at once on one cash coupon: one freezes it, the others are refused with the reason', async () => {
  const { accountId } = await createPayingAccount(t.db);
  const couponId = await grantCouponNow(t.db, { ownerAccountId: accountId, faceValue: '30.00' });
  const results = await Promise.allSettled(
    Array.from({ length: 8 }, () => newOrder(accountId, couponId)),
  );
  const created = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  expect(created).toHaveLength(1);
  for (const reason of refused) {
    expect(reason).toBeInstanceOf(OrderRefusal);
    const r = reason as OrderRefusal;
    expect(r.code).toBe('coupon_not_eligible');
    expect(r.message).toMatch(/frozen/i);
  }
  const winner = created[0]!;
  expect(await payOrder(t.ctx, { orderId: winner.orderId })).toMatchObject({
    paid: true,
    couponDeduction: '30.00',
  });
  expect((await movementsOf(t.db, couponId)).map((m) => m.kind)).toEqual([
    'redeem',
    'freeze',
    'deduct',
  ]);
  expect(await couponRow(t.db, couponId)).toMatchObject({ status: 'used', balance: '0.00' });
});

test('a bill drawdown racing an order on the same cash coupon: the coupon pays one of them, never both', async () => {
  for (let round = 0; round < 4; round++) {
    const { accountId } = await createPayingAccount(t.db);
    const couponId = await grantCouponNow(t.db, {
      ownerAccountId: accountId,
      faceValue: '30.00',
    });
    const billId = uid('bill-race');
    const [order, bill] = await Promise.allSettled([
      newOrder(accountId, couponId),
      settleBill(t.ctx, {
        billId,
        accountId,
        commodityCode: 'ecs',
        amount: '20.00',
        currency: 'USD',
        policy: { adjustmentWindow: '1s' },
      }),
    ]);
    expect(bill.status).toBe('fulfilled');
    const billState = (bill as PromiseFulfilledResult<Awaited<ReturnType<typeof settleBill>>>)
      .value;
    const movements = await movementsOf(t.db, couponId);
    const coupon = await couponRow(t.db, couponId);
    expect(Number(coupon.balance)).toBeGreaterThanOrEqual(0);
    if (order.status === 'fulfilled') {
      // The order froze the coupon first (or froze what the bill left).
      const drawn = billState.couponDeduction;
      if (drawn === '0.00') {
        expect(movements.map((m) => m.kind)).toEqual(['redeem', 'freeze']);
        // The bill was paid otherwise: arrears, since the account has no funds or recharge.
        expect(billState).toMatchObject({ stage: 'arrears', arrearsAmount: '20.00' });
      } else {
        expect(movements.map((m) => m.kind)).toEqual(['redeem', 'deduct', 'freeze']);
        expect(order.value.state.coupon?.deduction).toBe('10.00');
      }
      await payOrder(t.ctx, { orderId: order.value.orderId });
    } else {
      // The bill drew the coupon first and the order was refused with the reason.
      expect(refusalCode(order.reason)).toBe('coupon_not_eligible');
      expect(billState.couponDeduction).toBe('20.00');
    }
    const deducted = (await movementsOf(t.db, couponId))
      .filter((m) => m.kind === 'deduct')
      .reduce((sum, m) => sum - Number(m.balanceDelta), 0);
    expect(deducted).toBeLessThanOrEqual(30);
    expect(Number((await couponRow(t.db, couponId)).balance)).toBeGreaterThanOrEqual(0);
  }
});
