/**
 * seed 002 §Returns: when provisioning fails for good after payment, the order
 * compensates as a saga: the payment is refunded and the coupon returned by the
 * rules (cash and threshold back, discount not, domains and virtual hosts never).
 * The dev provider is told to fail through the order id (docs/orders.md).
 */
import type { CouponFixture } from '../../support/ledger-fixtures';
import { uid } from '../../support/ledger-fixtures';
import { createOrder, getOrderResult, getOrderState, payOrder } from '../../../client/orders';
import {
  couponRow,
  createPayingAccount,
  eventually,
  grantCouponNow,
  movementsOf,
  orderRow,
  paymentsOf,
  useOrderEngine,
} from './support';
import { recordHistory } from '../../support/replay';

jest.setTimeout(90_000);

const t = useOrderEngine();

/** An ECS order of 12.00, created, for an account with a card; `couponId`: its coupon (frozen). */
async function ecsOrder(prefix: string, accountId: string, couponId?: string): Promise<string> {
  const orderId = uid(prefix);
  await createOrder(t.ctx, {
    orderId,
    accountId,
    commodityCode: 'ecs',
    orderType: 'new_purchase',
    amount: '12.00',
    currency: 'USD',
    durationMonths: 1,
    ...(couponId ? { couponId } : {}),
  });
  return orderId;
}

/** An ECS order of 12.00 with a 5.00 cash coupon, created (frozen), for an account with a card. */
async function orderWithCoupon(prefix: string): Promise<{ orderId: string; couponId: string }> {
  const { accountId } = await createPayingAccount(t.db);
  const couponId = await grantCouponNow(t.db, { ownerAccountId: accountId, faceValue: '5.00' });
  return { orderId: await ecsOrder(prefix, accountId, couponId), couponId };
}

interface ReturnCase {
  name: string;
  coupon: Omit<CouponFixture, 'ownerAccountId'>;
  commodityCode: string;
  amount: string;
  deduction: string;
  payable: string;
  /** After the return. */
  coupon_after: { status: string; balance: string };
  movement: 'return';
  returned: string;
  rule: string;
  couponState: 'returned' | 'not_returned';
}

const cases: ReturnCase[] = [
  {
    name: 'cash: returned whole',
    coupon: { kind: 'cash', faceValue: '30.00' },
    commodityCode: 'ecs',
    amount: '100.00',
    deduction: '30.00',
    payable: '70.00',
    coupon_after: { status: 'available', balance: '30.00' },
    movement: 'return',
    returned: '30.00',
    rule: 'failure_returned',
    couponState: 'returned',
  },
  {
    name: 'threshold: returned whole',
    coupon: { kind: 'threshold', faceValue: '20.00', threshold: '100.00' },
    commodityCode: 'rds',
    amount: '150.00',
    deduction: '20.00',
    payable: '130.00',
    coupon_after: { status: 'available', balance: '20.00' },
    movement: 'return',
    returned: '20.00',
    rule: 'failure_returned',
    couponState: 'returned',
  },
  {
    name: 'discount: not returned',
    coupon: { kind: 'discount', faceValue: '50.00', discountPercent: '10' },
    commodityCode: 'oss',
    amount: '100.00',
    deduction: '10.00',
    payable: '90.00',
    coupon_after: { status: 'used', balance: '0.00' },
    movement: 'return',
    returned: '0.00',
    rule: 'failure_discount_not_returned',
    couponState: 'not_returned',
  },
  {
    name: 'domain: never returned, even a cash coupon',
    coupon: {
      kind: 'cash',
      faceValue: '30.00',
      scope: { type: 'products', productCodes: ['domain'] },
    },
    commodityCode: 'domain',
    amount: '100.00',
    deduction: '30.00',
    payable: '70.00',
    coupon_after: { status: 'used', balance: '0.00' },
    movement: 'return',
    returned: '0.00',
    rule: 'never_returned_product',
    couponState: 'not_returned',
  },
  {
    name: 'virtual host: never returned',
    coupon: { kind: 'threshold', faceValue: '20.00', threshold: '50.00' },
    commodityCode: 'virtualhost',
    amount: '60.00',
    deduction: '20.00',
    payable: '40.00',
    coupon_after: { status: 'used', balance: '0.00' },
    movement: 'return',
    returned: '0.00',
    rule: 'never_returned_product',
    couponState: 'not_returned',
  },
];

describe('seed 002 §Returns: provisioning failed after payment → refund + coupon return by the rules', () => {
  it.each(cases)('$name, and the payment is refunded', async (c) => {
    const { accountId } = await createPayingAccount(t.db);
    const couponId = await grantCouponNow(t.db, { ownerAccountId: accountId, ...c.coupon });
    const before = await couponRow(t.db, couponId);
    const orderId = uid('provision-fail');
    await createOrder(t.ctx, {
      orderId,
      accountId,
      commodityCode: c.commodityCode,
      orderType: 'new_purchase',
      amount: c.amount,
      currency: 'USD',
      durationMonths: 1,
      couponId,
    });
    const paid = await payOrder(t.ctx, { orderId });
    const payable = c.payable;
    expect(paid).toMatchObject({ paid: true, couponDeduction: c.deduction, payable });

    const result = await getOrderResult(t.ctx, orderId);
    expect(result.outcome).toBe('provisioning_failed');
    expect(result.state.provisioningFailure).toContain('no capacity');
    expect(result.state.coupon).toMatchObject({
      state: c.couponState,
      returned: { amount: c.returned, rule: c.rule, event: 'provisioning_failed' },
    });
    expect(await couponRow(t.db, couponId)).toMatchObject(c.coupon_after);
    const movements = await movementsOf(t.db, couponId);
    expect(movements.map((m) => m.kind)).toEqual(['redeem', 'freeze', 'deduct', c.movement]);
    const returned = movements[3];
    expect(returned).toMatchObject({ orderId, statusAfter: c.coupon_after.status });
    expect(returned?.balanceDelta).toBe(c.couponState === 'returned' ? before.balance : '0.00');

    // The refund is recorded against the charge, for the whole charged amount.
    expect(await paymentsOf(t.db, orderId)).toEqual([
      expect.objectContaining({ kind: 'charge', amount: payable, status: 'succeeded' }),
      expect.objectContaining({
        kind: 'refund',
        amount: payable,
        status: 'succeeded',
        idempotencyKey: `order/${orderId}:refund:provisioning_failed`,
      }),
    ]);
    expect(result.state.refunds).toEqual([
      expect.objectContaining({
        amount: payable,
        reason: 'provisioning_failed',
        status: 'succeeded',
      }),
    ]);
    expect(await orderRow(t.db, orderId)).toMatchObject({
      status: 'provisioning_failed',
      couponDeduction: c.deduction,
      paymentId: paid.paymentId,
    });
    const described = await t.engine.client.workflow.getHandle(`order/${orderId}`).describe();
    expect(described.searchAttributes.BillingStage).toEqual(['provisioning_failed']);
  });

  it('a provider that stays down is retried by policy, then the saga compensates (no coupon: refund only)', async () => {
    const { accountId } = await createPayingAccount(t.db);
    const orderId = await ecsOrder('provision-down', accountId);
    await payOrder(t.ctx, { orderId });
    const result = await getOrderResult(t.ctx, orderId);
    expect(result.outcome).toBe('provisioning_failed');
    expect(result.state.provisioningFailure).toContain('simulated outage');
    expect((await paymentsOf(t.db, orderId)).map((p) => [p.kind, p.amount, p.status])).toEqual([
      ['charge', '12.00', 'succeeded'],
      ['refund', '12.00', 'succeeded'],
    ]);
    // Three attempts by the retry policy, then the final failure.
    const history = await t.engine.client.workflow.getHandle(`order/${orderId}`).fetchHistory();
    const failed = history.events?.find((e) => e.activityTaskFailedEventAttributes);
    const started = history.events?.filter(
      (e) => e.activityTaskStartedEventAttributes && e.activityTaskStartedEventAttributes.attempt,
    );
    expect(failed).toBeDefined();
    expect(
      Math.max(...(started ?? []).map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0)),
    ).toBe(3);
    await recordHistory(t.engine.client, `order/${orderId}`, 'order-provisioning-failed');
  });

  it('a transient provisioning error is retried and the order becomes active; nothing is returned', async () => {
    const { orderId, couponId } = await orderWithCoupon('provision-flaky');
    await payOrder(t.ctx, { orderId });
    const state = await eventually(
      () => getOrderState(t.ctx, orderId),
      (s) => s.stage === 'active',
    );
    expect(state).toMatchObject({ stage: 'active', status: 'provisioned' });
    expect(state.resourceId).toMatch(/^res_/);
    expect(await orderRow(t.db, orderId)).toMatchObject({ status: 'provisioned' });
    expect((await movementsOf(t.db, couponId)).map((m) => m.kind)).toEqual([
      'redeem',
      'freeze',
      'deduct',
    ]);
    expect((await paymentsOf(t.db, orderId)).map((p) => p.kind)).toEqual(['charge']);
  });
  it('pay with returnWhen provisioned answers once the order is active, in one update', async () => {
    const { orderId, couponId } = await orderWithCoupon('ord-until-active');
    const outcome = await payOrder(t.ctx, { orderId, returnWhen: 'provisioned' });
    // Read right after the answer, without waiting: the row and the state are already there.
    expect(outcome).toMatchObject({ paid: true, stage: 'active', status: 'provisioned' });
    expect(await orderRow(t.db, orderId)).toMatchObject({ status: 'provisioned' });
    const state = await getOrderState(t.ctx, orderId);
    expect(state.resourceId).toMatch(/^res_/);
    // Paying again (a retried call) changes nothing and answers the same.
    expect(await payOrder(t.ctx, { orderId, returnWhen: 'provisioned' })).toEqual(outcome);
    expect((await paymentsOf(t.db, orderId)).map((p) => p.kind)).toEqual(['charge']);
    expect((await movementsOf(t.db, couponId)).map((m) => m.kind)).toEqual([
      'redeem',
      'freeze',
      'deduct',
    ]);
    await recordHistory(t.engine.client, `order/${orderId}`, 'order-paid-until-active');
  });

  it('pay with returnWhen provisioned answers after the saga when provisioning fails', async () => {
    const { orderId, couponId } = await orderWithCoupon('provision-fail');
    const outcome = await payOrder(t.ctx, { orderId, returnWhen: 'provisioned' });
    expect(outcome).toMatchObject({ paid: true, stage: 'provisioning_failed' });
    expect((await paymentsOf(t.db, orderId)).map((p) => [p.kind, p.amount])).toEqual([
      ['charge', '7.00'],
      ['refund', '7.00'],
    ]);
    expect((await movementsOf(t.db, couponId)).map((m) => m.kind)).toEqual([
      'redeem',
      'freeze',
      'deduct',
      'return',
    ]);
  });
});
