/**
 * Billing retries (issue 7): a declined payment, or a gateway that stays down
 * after the retry policy, leaves the order visibly in `payment_failed` until a
 * retry (optionally with a new payment method) or a cancellation. And the same
 * pay update delivered twice charges and deducts once.
 */
import {
  createOrder,
  getOrderState,
  listOrdersInPaymentFailed,
  orderHandle,
  payOrder,
  retryOrderPayment,
} from '../../../client/orders';
import { uid } from '../../support/ledger-fixtures';
import {
  couponRow,
  createPayingAccount,
  DEV_TEST_CARDS,
  eventually,
  grantCouponNow,
  movementsOf,
  orderRow,
  paymentsOf,
  refusedWith,
  useOrderEngine,
} from './support';
import { recordHistory } from '../../support/replay';

jest.setTimeout(90_000);

const t = useOrderEngine();

const goodCard = {
  type: 'card' as const,
  number: DEV_TEST_CARDS.success,
  expMonth: 10,
  expYear: 2034,
  cvc: '321',
  holderName: 'New Card',
};

async function stageOf(orderId: string): Promise<string | undefined> {
  const described = await orderHandle(t.ctx, orderId).describe();
  return described.searchAttributes.BillingStage?.[0] as string | undefined;
}

async function currentDetails(orderId: string): Promise<string> {
  const meta = (await orderHandle(t.ctx, orderId).query('__temporal_workflow_metadata')) as {
    currentDetails?: string;
  };
  return meta.currentDetails ?? '';
}

describe('billing retries: declined, then retried with a new payment method', () => {
  it('waits in payment_failed (search attribute, details, stuck list), keeps the coupon frozen, and pays on retry', async () => {
    const { accountId } = await createPayingAccount(t.db, DEV_TEST_CARDS.declined);
    const couponId = await grantCouponNow(t.db, { ownerAccountId: accountId, faceValue: '10.00' });
    const orderId = uid('ord');
    await createOrder(t.ctx, {
      orderId,
      accountId,
      commodityCode: 'ecs',
      orderType: 'new_purchase',
      amount: '50.00',
      currency: 'USD',
      durationMonths: 1,
      couponId,
    });

    const declined = await payOrder(t.ctx, { orderId });
    expect(declined).toMatchObject({
      paid: false,
      stage: 'payment_failed',
      status: 'payment_failed',
      attempt: { attempt: 1, status: 'failed', reason: 'card_declined', amount: '40.00' },
    });
    expect(await orderRow(t.db, orderId)).toMatchObject({
      status: 'payment_failed',
      paymentId: null,
    });
    expect(await couponRow(t.db, couponId)).toMatchObject({ status: 'frozen', balance: '10.00' });
    expect(await stageOf(orderId)).toBe('payment_failed');
    expect(await currentDetails(orderId)).toContain('**Payment failed** for order');
    expect(await currentDetails(orderId)).toContain('card_declined');
    const stuck = await eventually(
      () => listOrdersInPaymentFailed(t.ctx, { accountId }),
      (list) => list.length > 0,
    );
    expect(stuck.map((s) => s.orderId)).toEqual([orderId]);

    // Retrying with the same (declining) card: a new attempt, declined again.
    const again = await retryOrderPayment(t.ctx, { orderId });
    expect(again.attempt).toMatchObject({ attempt: 2, reason: 'card_declined' });

    // A new card: recorded as the default, charged under attempt 3, then the coupon is deducted.
    const paid = await retryOrderPayment(t.ctx, { orderId, method: goodCard });
    expect(paid).toMatchObject({ paid: true, stage: 'provisioning', couponDeduction: '10.00' });
    expect(paid.attempt).toMatchObject({
      attempt: 3,
      status: 'succeeded',
      method: 'visa •••• 4242',
    });
    expect(await paymentsOf(t.db, orderId)).toEqual([
      expect.objectContaining({
        idempotencyKey: `order/${orderId}:charge:1`,
        status: 'declined',
        amount: '40.00',
        failureReason: 'card_declined',
      }),
      expect.objectContaining({ idempotencyKey: `order/${orderId}:charge:2`, status: 'declined' }),
      expect.objectContaining({
        idempotencyKey: `order/${orderId}:charge:3`,
        status: 'succeeded',
        amount: '40.00',
      }),
    ]);
    expect((await movementsOf(t.db, couponId)).map((m) => m.kind)).toEqual([
      'redeem',
      'freeze',
      'deduct',
    ]);
    expect(await couponRow(t.db, couponId)).toMatchObject({ status: 'used', balance: '0.00' });
    const method = await t.db.paymentMethod.findFirstOrThrow({
      where: { accountId, isDefault: true },
    });
    expect(method.last4).toBe('4242');

    // No longer failed: a retry is refused, and the order leaves the stuck list.
    const refused = await refusedWith(retryOrderPayment(t.ctx, { orderId }));
    expect(refused.code).toBe('not_awaiting_retry');
    await eventually(
      () => getOrderState(t.ctx, orderId),
      (s) => s.stage === 'active',
    );
    expect(await orderRow(t.db, orderId)).toMatchObject({
      status: 'provisioned',
      paymentId: paid.paymentId,
    });
    const after = await eventually(
      () => listOrdersInPaymentFailed(t.ctx, { accountId }),
      (list) => list.length === 0,
    );
    expect(after).toEqual([]);
    await recordHistory(t.engine.client, `order/${orderId}`, 'order-payment-failed-retried');
  });

  it('a gateway that stays down after the retry policy: payment_failed, the same key again on a plain retry, a new key with a new method', async () => {
    const { accountId } = await createPayingAccount(t.db, DEV_TEST_CARDS.gatewayError);
    const orderId = uid('ord');
    await createOrder(t.ctx, {
      orderId,
      accountId,
      commodityCode: 'oss',
      orderType: 'new_purchase',
      amount: '15.00',
      currency: 'USD',
      durationMonths: 1,
    });
    const down = await payOrder(t.ctx, { orderId });
    expect(down).toMatchObject({
      paid: false,
      stage: 'payment_failed',
      attempt: { attempt: 1, reason: 'gateway_unavailable' },
    });
    // Outcome unknown: the row stays pending under its key.
    expect(await paymentsOf(t.db, orderId)).toEqual([
      expect.objectContaining({ idempotencyKey: `order/${orderId}:charge:1`, status: 'pending' }),
    ]);

    // Same method: the same key is sent again, so the gateway can never charge twice.
    const stillDown = await retryOrderPayment(t.ctx, { orderId });
    expect(stillDown.attempt).toMatchObject({ attempt: 1, reason: 'gateway_unavailable' });
    expect((await getOrderState(t.ctx, orderId)).payments).toHaveLength(1);
    expect(await t.db.payment.count({ where: { orderId } })).toBe(1);

    const paid = await retryOrderPayment(t.ctx, { orderId, method: goodCard });
    expect(paid).toMatchObject({ paid: true, attempt: { attempt: 2, status: 'succeeded' } });
    expect((await paymentsOf(t.db, orderId)).map((p) => [p.idempotencyKey, p.status])).toEqual([
      [`order/${orderId}:charge:1`, 'pending'],
      [`order/${orderId}:charge:2`, 'succeeded'],
    ]);
  });
});

describe('the same pay update delivered twice charges and deducts once', () => {
  it('same update id twice, two concurrent pays, and a pay after payment: one charge, one deduction', async () => {
    const { accountId } = await createPayingAccount(t.db);
    const couponId = await grantCouponNow(t.db, { ownerAccountId: accountId, faceValue: '50.00' });
    const orderId = uid('ord');
    await createOrder(t.ctx, {
      orderId,
      accountId,
      commodityCode: 'ecs',
      orderType: 'new_purchase',
      amount: '80.00',
      currency: 'USD',
      durationMonths: 1,
      couponId,
    });
    const updateId = `pay-${orderId}`;
    const [first, second, concurrent] = await Promise.all([
      payOrder(t.ctx, { orderId }, { updateId }),
      payOrder(t.ctx, { orderId }, { updateId }),
      payOrder(t.ctx, { orderId }),
    ]);
    const third = await payOrder(t.ctx, { orderId }, { updateId });
    const later = await payOrder(t.ctx, { orderId });
    for (const outcome of [first, second, concurrent, third, later]) {
      expect(outcome).toMatchObject({
        paid: true,
        paymentId: first.paymentId,
        payable: '30.00',
        couponDeduction: '50.00',
      });
    }
    expect(await paymentsOf(t.db, orderId)).toEqual([
      {
        kind: 'charge',
        amount: '30.00',
        status: 'succeeded',
        idempotencyKey: `order/${orderId}:charge:1`,
        failureReason: null,
      },
    ]);
    const deducts = (await movementsOf(t.db, couponId)).filter((m) => m.kind === 'deduct');
    expect(deducts).toEqual([expect.objectContaining({ balanceDelta: '-50.00', orderId })]);
    expect(await couponRow(t.db, couponId)).toMatchObject({ status: 'used', balance: '0.00' });
  });
});
