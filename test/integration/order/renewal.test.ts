/**
 * seed 002 §Paying an order, renewal: a manual renewal takes the coupon the
 * customer chose; with auto-renewal the engine picks an eligible coupon by the
 * rule (docs/rules.md: largest deduction, then soonest expiry, then larger
 * balance, then id) and pays at once.
 */
import { createOrder, getOrderState, payOrder, renewOrder } from '../../../client/orders';
import { uid } from '../../support/ledger-fixtures';
import {
  couponRow,
  createPayingAccount,
  daysFromNow,
  eventually,
  grantCouponNow,
  movementsOf,
  orderRow,
  paymentsOf,
  refusedWith,
  useOrderEngine,
} from './support';

jest.setTimeout(60_000);

const t = useOrderEngine();

async function activeOrder(accountId: string, amount: string): Promise<string> {
  const orderId = uid('ord');
  await createOrder(t.ctx, {
    orderId,
    accountId,
    commodityCode: 'ecs',
    orderType: 'new_purchase',
    amount,
    currency: 'USD',
    durationMonths: 1,
  });
  await payOrder(t.ctx, { orderId });
  await eventually(
    () => getOrderState(t.ctx, orderId),
    (s) => s.stage === 'active',
  );
  return orderId;
}

describe('seed 002 §Paying an order: renewal', () => {
  it("manual renewal: the customer's chosen coupon is frozen and deducted, even when the rule would pick another", async () => {
    const { accountId } = await createPayingAccount(t.db);
    const original = await activeOrder(accountId, '100.00');
    const small = await grantCouponNow(t.db, { ownerAccountId: accountId, faceValue: '5.00' });
    const large = await grantCouponNow(t.db, { ownerAccountId: accountId, faceValue: '40.00' });
    const renewalId = uid('ren');
    const { state } = await renewOrder(t.ctx, {
      orderId: original,
      renewalOrderId: renewalId,
      couponId: small,
    });
    expect(state).toMatchObject({
      orderType: 'renewal',
      renewal: { renewsOrderId: original, auto: false },
      stage: 'awaiting_payment',
      coupon: { couponId: small, chosenBy: 'customer', deduction: '5.00', state: 'frozen' },
      payable: '95.00',
    });
    expect(await payOrder(t.ctx, { orderId: renewalId })).toMatchObject({ paid: true });
    expect(await couponRow(t.db, small)).toMatchObject({ status: 'used', balance: '0.00' });
    expect(await couponRow(t.db, large)).toMatchObject({ status: 'available', balance: '40.00' });
    expect(await orderRow(t.db, renewalId)).toMatchObject({
      couponId: small,
      couponDeduction: '5.00',
      payable: '95.00',
    });

    // A coupon that does not serve renewals is refused with that reason.
    const newOnly = await grantCouponNow(t.db, {
      ownerAccountId: accountId,
      faceValue: '10.00',
      orderTypes: ['new_purchase'],
    });
    const refused = await refusedWith(renewOrder(t.ctx, { orderId: original, couponId: newOnly }));
    expect(refused.code).toBe('coupon_not_eligible');
    expect(refused.details.reasons?.map((r) => r.code)).toEqual(['order_type_not_covered']);
  });

  it('auto-renewal: the engine picks by rule (largest deduction, then soonest expiry), freezes, pays and deducts at once', async () => {
    const { accountId } = await createPayingAccount(t.db);
    const original = await activeOrder(accountId, '100.00');
    const grant = (fixture: Parameters<typeof grantCouponNow>[1]) => grantCouponNow(t.db, fixture);
    const coupons = {
      smallCash: await grantCouponNow(t.db, { ownerAccountId: accountId, faceValue: '5.00' }),
      cash20Late: await grant({
        ownerAccountId: accountId,
        faceValue: '20.00',
        expiresAt: daysFromNow(20),
      }),
      cash20Soon: await grant({
        ownerAccountId: accountId,
        faceValue: '20.00',
        expiresAt: daysFromNow(10),
      }),
      discount15: await grant({
        ownerAccountId: accountId,
        kind: 'discount',
        faceValue: '15.00',
        discountPercent: '15',
      }),
      thresholdTooHigh: await grant({
        ownerAccountId: accountId,
        kind: 'threshold',
        faceValue: '50.00',
        threshold: '200.00',
      }),
      newPurchaseOnly: await grant({
        ownerAccountId: accountId,
        faceValue: '60.00',
        orderTypes: ['new_purchase'],
      }),
    };
    const renewalId = uid('ren');
    await renewOrder(t.ctx, { orderId: original, renewalOrderId: renewalId, auto: true });
    const state = await eventually(
      () => getOrderState(t.ctx, renewalId),
      (s) => s.stage === 'active',
    );
    expect(state).toMatchObject({
      orderType: 'renewal',
      renewal: { renewsOrderId: original, auto: true },
      status: 'provisioned',
      coupon: {
        couponId: coupons.cash20Soon,
        chosenBy: 'auto_renewal_rule',
        deduction: '20.00',
        state: 'deducted',
      },
      payable: '80.00',
    });
    expect(state.payments).toEqual([
      expect.objectContaining({ attempt: 1, status: 'succeeded', amount: '80.00' }),
    ]);
    expect(await paymentsOf(t.db, renewalId)).toEqual([
      expect.objectContaining({
        kind: 'charge',
        amount: '80.00',
        status: 'succeeded',
        idempotencyKey: `order/${renewalId}:charge:1`,
      }),
    ]);
    expect((await movementsOf(t.db, coupons.cash20Soon)).map((m) => [m.kind, m.orderId])).toEqual([
      ['redeem', null],
      ['freeze', renewalId],
      ['deduct', renewalId],
    ]);
    // Nothing else was touched.
    for (const id of [
      coupons.smallCash,
      coupons.cash20Late,
      coupons.discount15,
      coupons.thresholdTooHigh,
      coupons.newPurchaseOnly,
    ]) {
      expect((await movementsOf(t.db, id)).map((m) => m.kind)).toEqual(['redeem']);
    }
    expect(await orderRow(t.db, renewalId)).toMatchObject({
      status: 'provisioned',
      couponId: coupons.cash20Soon,
      couponDeduction: '20.00',
      payable: '80.00',
    });
  });

  it('auto-renewal with no eligible coupon renews at full price; a declined auto-renewal waits in payment_failed', async () => {
    const { accountId } = await createPayingAccount(t.db);
    const original = await activeOrder(accountId, '30.00');
    const renewalId = uid('ren');
    await renewOrder(t.ctx, { orderId: original, renewalOrderId: renewalId, auto: true });
    const state = await eventually(
      () => getOrderState(t.ctx, renewalId),
      (s) => s.stage === 'active',
    );
    expect(state).toMatchObject({ coupon: null, payable: '30.00', status: 'provisioned' });

    const declining = await createPayingAccount(t.db, '4000000000000002');
    const couponId = await grantCouponNow(t.db, {
      ownerAccountId: declining.accountId,
      faceValue: '10.00',
    });
    // The original was paid with a good card; the account's default is now the declining one.
    const paidOriginal = uid('ord');
    await createOrder(t.ctx, {
      orderId: paidOriginal,
      accountId: declining.accountId,
      commodityCode: 'ecs',
      orderType: 'new_purchase',
      amount: '30.00',
      currency: 'USD',
      durationMonths: 1,
      couponId,
    });
    expect(
      (
        await payOrder(t.ctx, {
          orderId: paidOriginal,
          method: {
            type: 'card',
            number: '4242424242424242',
            expMonth: 1,
            expYear: 2033,
            cvc: '111',
            holderName: 'x',
          },
        })
      ).paid,
    ).toBe(true);
    await t.db.paymentMethod.updateMany({
      where: { accountId: declining.accountId },
      data: { isDefault: false },
    });
    await t.db.paymentMethod.updateMany({
      where: { accountId: declining.accountId, token: declining.token },
      data: { isDefault: true },
    });
    const second = await grantCouponNow(t.db, {
      ownerAccountId: declining.accountId,
      faceValue: '7.00',
    });
    const failedRenewal = uid('ren');
    await renewOrder(t.ctx, { orderId: paidOriginal, renewalOrderId: failedRenewal, auto: true });
    const failed = await eventually(
      () => getOrderState(t.ctx, failedRenewal),
      (s) => s.stage === 'payment_failed',
    );
    expect(failed).toMatchObject({
      stage: 'payment_failed',
      status: 'payment_failed',
      coupon: { couponId: second, state: 'frozen', chosenBy: 'auto_renewal_rule' },
    });
    expect(failed.payments.at(-1)).toMatchObject({ reason: 'card_declined', amount: '23.00' });
    expect(await couponRow(t.db, second)).toMatchObject({
      status: 'frozen',
      frozenForOrderId: failedRenewal,
    });
  });
});
