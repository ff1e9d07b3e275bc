/**
 * seed 002 §Paying an order: a chosen coupon is frozen while the order is unpaid,
 * released when it is cancelled, deducted at payment; one cash coupon serves
 * several orders until its balance is gone; a refusal names every reason.
 */
import {
  cancelOrder,
  createOrder,
  getOrderResult,
  getOrderState,
  payOrder,
  requestOrderCancellation,
} from '../../../client/orders';
import { uid } from '../../support/ledger-fixtures';
import {
  couponRow,
  createPayingAccount,
  grantCouponNow,
  movementsOf,
  orderRow,
  paymentsOf,
  refusedWith,
  useOrderEngine,
} from './support';
import { recordHistory } from '../../support/replay';

jest.setTimeout(60_000);

const t = useOrderEngine();

describe('seed 002 §Paying an order: freeze, release, deduct', () => {
  it('freezes the chosen coupon at creation and releases it when the unpaid order is cancelled (update)', async () => {
    const { accountId } = await createPayingAccount(t.db);
    const couponId = await grantCouponNow(t.db, { ownerAccountId: accountId, faceValue: '30.00' });
    const orderId = uid('ord');
    const { state } = await createOrder(t.ctx, {
      orderId,
      accountId,
      commodityCode: 'ecs',
      orderType: 'new_purchase',
      amount: '100.00',
      currency: 'USD',
      durationMonths: 1,
      couponId,
    });
    expect(state).toMatchObject({
      stage: 'awaiting_payment',
      payable: '70.00',
      coupon: { couponId, deduction: '30.00', state: 'frozen' },
    });
    expect(await couponRow(t.db, couponId)).toEqual({
      status: 'frozen',
      balance: '30.00',
      frozenForOrderId: orderId,
    });
    expect(await orderRow(t.db, orderId)).toEqual({
      status: 'pending_payment',
      couponId,
      couponDeduction: '30.00',
      payable: '70.00',
      paymentId: null,
    });

    const cancelled = await cancelOrder(t.ctx, { orderId, reason: 'changed my mind' });
    expect(cancelled).toMatchObject({ stage: 'cancelled', status: 'cancelled' });
    expect(cancelled.coupon?.state).toBe('released');
    expect(await couponRow(t.db, couponId)).toEqual({
      status: 'available',
      balance: '30.00',
      frozenForOrderId: null,
    });
    expect((await movementsOf(t.db, couponId)).map((m) => [m.kind, m.balanceDelta])).toEqual([
      ['redeem', '30.00'],
      ['freeze', '0.00'],
      ['release', '0.00'],
    ]);
    expect((await orderRow(t.db, orderId)).status).toBe('cancelled');
    expect(await paymentsOf(t.db, orderId)).toEqual([]);
    expect((await getOrderResult(t.ctx, orderId)).outcome).toBe('cancelled');

    // Released means usable again: another order can freeze it.
    const next = await createOrder(t.ctx, {
      accountId,
      commodityCode: 'ecs',
      orderType: 'new_purchase',
      amount: '10.00',
      currency: 'USD',
      couponId,
    });
    expect(next.state.coupon?.state).toBe('frozen');
    await cancelOrder(t.ctx, { orderId: next.orderId, reason: 'cleanup' });
    await recordHistory(t.engine.client, `order/${next.orderId}`, 'order-cancelled');
  });

  it('releases the coupon when the cancellation comes as a signal; a paid order refuses cancellation', async () => {
    const { accountId } = await createPayingAccount(t.db);
    const couponId = await grantCouponNow(t.db, { ownerAccountId: accountId, faceValue: '10.00' });
    const orderId = uid('ord');
    await createOrder(t.ctx, {
      orderId,
      accountId,
      commodityCode: 'oss',
      orderType: 'new_purchase',
      amount: '25.00',
      currency: 'USD',
      couponId,
    });
    await requestOrderCancellation(t.ctx, { orderId, reason: 'ops: duplicate order' });
    const result = await getOrderResult(t.ctx, orderId);
    expect(result.outcome).toBe('cancelled');
    expect(result.state.cancelReason).toBe('ops: duplicate order');
    expect(await couponRow(t.db, couponId)).toMatchObject({
      status: 'available',
      balance: '10.00',
    });

    const paidId = uid('ord');
    await createOrder(t.ctx, {
      orderId: paidId,
      accountId,
      commodityCode: 'oss',
      orderType: 'new_purchase',
      amount: '25.00',
      currency: 'USD',
      durationMonths: 1,
    });
    await payOrder(t.ctx, { orderId: paidId });
    const refused = await refusedWith(cancelOrder(t.ctx, { orderId: paidId, reason: 'too late' }));
    expect(refused.code).toBe('order_already_paid');
  });

  it('pays: charges the payable amount, then deducts the coupon (cash balance down, single-use used)', async () => {
    const { accountId } = await createPayingAccount(t.db);
    const cash = await grantCouponNow(t.db, { ownerAccountId: accountId, faceValue: '30.00' });
    const threshold = await grantCouponNow(t.db, {
      ownerAccountId: accountId,
      kind: 'threshold',
      faceValue: '20.00',
      threshold: '100.00',
    });
    const cashOrder = uid('ord');
    await createOrder(t.ctx, {
      orderId: cashOrder,
      accountId,
      commodityCode: 'ecs',
      orderType: 'new_purchase',
      amount: '50.00',
      currency: 'USD',
      durationMonths: 1,
      couponId: cash,
    });
    const paid = await payOrder(t.ctx, { orderId: cashOrder });
    expect(paid).toMatchObject({ paid: true, payable: '20.00', couponDeduction: '30.00' });
    expect(await paymentsOf(t.db, cashOrder)).toEqual([
      {
        kind: 'charge',
        amount: '20.00',
        status: 'succeeded',
        idempotencyKey: `order/${cashOrder}:charge:1`,
        failureReason: null,
      },
    ]);
    expect(await couponRow(t.db, cash)).toEqual({
      status: 'used',
      balance: '0.00',
      frozenForOrderId: null,
    });
    expect((await movementsOf(t.db, cash)).at(-1)).toMatchObject({
      kind: 'deduct',
      balanceDelta: '-30.00',
      orderId: cashOrder,
    });
    expect(await orderRow(t.db, cashOrder)).toMatchObject({
      couponDeduction: '30.00',
      payable: '20.00',
      paymentId: paid.paymentId,
    });

    const thresholdOrder = uid('ord');
    await createOrder(t.ctx, {
      orderId: thresholdOrder,
      accountId,
      commodityCode: 'rds',
      orderType: 'new_purchase',
      amount: '120.00',
      currency: 'USD',
      durationMonths: 1,
      couponId: threshold,
    });
    expect(await payOrder(t.ctx, { orderId: thresholdOrder })).toMatchObject({
      paid: true,
      payable: '100.00',
      couponDeduction: '20.00',
    });
    expect(await couponRow(t.db, threshold)).toMatchObject({ status: 'used', balance: '0.00' });
    // Provisioned: the row and the state agree.
    const active = await eventuallyActive(thresholdOrder);
    expect(active.status).toBe('provisioned');
    expect((await orderRow(t.db, thresholdOrder)).status).toBe('provisioned');
  });

  it('refuses an ineligible coupon naming every reason; nothing is frozen or written', async () => {
    const { accountId } = await createPayingAccount(t.db);
    const couponId = await grantCouponNow(t.db, {
      ownerAccountId: accountId,
      kind: 'threshold',
      faceValue: '20.00',
      threshold: '100.00',
      orderTypes: ['new_purchase'],
      minDurationMonths: 12,
    });
    const orderId = uid('ord');
    const refused = await refusedWith(
      createOrder(t.ctx, {
        orderId,
        accountId,
        commodityCode: 'domain', // excluded from general coupons
        orderType: 'upgrade',
        amount: '50.00',
        currency: 'USD',
        durationMonths: 1,
        couponId,
      }),
    );
    expect(refused.code).toBe('coupon_not_eligible');
    expect((refused.details.reasons ?? []).map((r) => r.code).sort()).toEqual([
      'below_threshold',
      'duration_not_met',
      'order_type_not_covered',
      'product_not_covered',
    ]);
    expect(await t.db.order.findUnique({ where: { id: orderId } })).toBeNull();
    expect(await couponRow(t.db, couponId)).toMatchObject({ status: 'available' });
    expect((await movementsOf(t.db, couponId)).map((m) => m.kind)).toEqual(['redeem']);

    // Bad input is refused before anything starts, naming the field.
    const invalid = await refusedWith(
      createOrder(t.ctx, {
        accountId,
        commodityCode: 'ecs',
        orderType: 'new_purchase',
        amount: '10.005',
        currency: 'USD',
      }),
    );
    expect(invalid.code).toBe('invalid_input');
    expect(new Set(invalid.details.fields?.map((f) => f.path))).toEqual(new Set(['order.amount']));
    expect(await t.db.order.count({ where: { accountId } })).toBe(0);
  });
});

describe('seed 002 §Paying an order: one cash coupon serves several orders until its balance is gone', () => {
  it('deducts 40, 50, then the last 10, and refuses a fourth order as used', async () => {
    const { accountId } = await createPayingAccount(t.db);
    const couponId = await grantCouponNow(t.db, { ownerAccountId: accountId, faceValue: '100.00' });
    const orders: { amount: string; deduction: string; payable: string; balance: string }[] = [
      { amount: '40.00', deduction: '40.00', payable: '0.00', balance: '60.00' },
      { amount: '50.00', deduction: '50.00', payable: '0.00', balance: '10.00' },
      { amount: '30.00', deduction: '10.00', payable: '20.00', balance: '0.00' },
    ];
    const ids: string[] = [];
    for (const o of orders) {
      const orderId = uid('ord');
      ids.push(orderId);
      const { state } = await createOrder(t.ctx, {
        orderId,
        accountId,
        commodityCode: 'ecs',
        orderType: 'new_purchase',
        amount: o.amount,
        currency: 'USD',
        durationMonths: 1,
        couponId,
      });
      expect(state).toMatchObject({ payable: o.payable, coupon: { deduction: o.deduction } });
      const paid = await payOrder(t.ctx, { orderId });
      expect(paid).toMatchObject({ paid: true, couponDeduction: o.deduction });
      // Fully covered by the coupon: nothing is charged.
      expect(paid.paymentId === null).toBe(o.payable === '0.00');
      expect((await couponRow(t.db, couponId)).balance).toBe(o.balance);
    }
    expect((await couponRow(t.db, couponId)).status).toBe('used');
    const deducts = (await movementsOf(t.db, couponId)).filter((m) => m.kind === 'deduct');
    expect(deducts.map((m) => [m.orderId, m.balanceDelta, m.balanceAfter])).toEqual([
      [ids[0], '-40.00', '60.00'],
      [ids[1], '-50.00', '10.00'],
      [ids[2], '-10.00', '0.00'],
    ]);
    expect(await paymentsOf(t.db, ids[2] ?? '')).toMatchObject([
      { kind: 'charge', amount: '20.00', status: 'succeeded' },
    ]);
    expect(await t.db.payment.count({ where: { accountId } })).toBe(1);

    const refused = await refusedWith(
      createOrder(t.ctx, {
        accountId,
        commodityCode: 'ecs',
        orderType: 'new_purchase',
        amount: '5.00',
        currency: 'USD',
        couponId,
      }),
    );
    expect(refused.code).toBe('coupon_not_eligible');
    expect(refused.details.reasons).toEqual([
      expect.objectContaining({ code: 'not_available', detail: 'used' }),
    ]);
  });
});

async function eventuallyActive(orderId: string) {
  for (let i = 0; i < 100; i++) {
    const state = await getOrderState(t.ctx, orderId);
    if (state.stage === 'active' || state.stage === 'provisioning_failed') return state;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`order ${orderId} did not become active`);
}
