/**
 * The order's timers on the time-skipping server (no test waits on real time):
 * the payment window (an unpaid order is cancelled and its coupon released), the
 * pro-rata return at unsubscription half-way through the term, and auto-renewal
 * at term end.
 */
import type { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { checkLedgerConsistency } from '../../../activities/ledger/consistency';
import type { Database } from '../../../activities/database';
import {
  createOrder,
  getOrderResult,
  getOrderState,
  payOrder,
  unsubscribeOrder,
} from '../../../client/orders';
import type { EngineClientContext } from '../../../client/trial-upgrade';
import { Dec } from '../../../domain/money';
import { createTestDatabase, createTimeSkippingEngine } from '../../support/integration';
import { grantCoupon, uid } from '../../support/ledger-fixtures';
import {
  couponRow,
  createPayingAccount,
  DEV_TEST_CARDS,
  movementsOf,
  orderRow,
  paymentsOf,
  refusedWith,
} from './support';

jest.setTimeout(120_000);

let db: Database;
let drop: () => Promise<void>;
let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let ctx: EngineClientContext;

beforeAll(async () => {
  const database = await createTestDatabase();
  db = database.db;
  drop = database.drop;
  const engine = await createTimeSkippingEngine(db);
  env = engine.env;
  ctx = { client: env.client, taskQueue: engine.taskQueue };
  worker = await engine.createWorker();
  running = worker.run();
});
afterEach(async () => {
  expect(await checkLedgerConsistency(db)).toEqual({ ok: true, coupons: [], accounts: [] });
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  await drop?.();
});

/** Coupons valid for a year around the (skipping) clock. */
async function longCoupon(
  ownerAccountId: string,
  fixture: Partial<Parameters<typeof grantCoupon>[1]> = {},
): Promise<string> {
  const now = await env.currentTimeMs();
  return grantCoupon(db, {
    ownerAccountId,
    effectiveAt: new Date(now - 86_400_000).toISOString(),
    expiresAt: new Date(now + 400 * 86_400_000).toISOString(),
    ...fixture,
  });
}

describe('payment window (ORDER_PAYMENT_WINDOW, passed as workflow input)', () => {
  it('an unpaid order is cancelled when the window passes, and its frozen coupon released', async () => {
    const { accountId } = await createPayingAccount(db);
    const couponId = await longCoupon(accountId, { faceValue: '25.00' });
    const orderId = uid('ord');
    const { state } = await createOrder(ctx, {
      orderId,
      accountId,
      commodityCode: 'ecs',
      orderType: 'new_purchase',
      amount: '60.00',
      currency: 'USD',
      couponId,
      paymentWindow: '2 days',
    });
    expect(await couponRow(db, couponId)).toMatchObject({ status: 'frozen' });
    const created = Date.parse(state.paymentDeadline) - 2 * 86_400_000;

    const result = await getOrderResult(ctx, orderId); // time skips to the deadline
    expect(result.outcome).toBe('cancelled');
    expect(result.state).toMatchObject({
      stage: 'cancelled',
      status: 'cancelled',
      cancelReason: 'payment_window_expired',
      coupon: { couponId, state: 'released' },
    });
    expect(await env.currentTimeMs()).toBeGreaterThanOrEqual(created + 2 * 86_400_000);
    expect(await couponRow(db, couponId)).toEqual({
      status: 'available',
      balance: '25.00',
      frozenForOrderId: null,
    });
    expect((await movementsOf(db, couponId)).map((m) => m.kind)).toEqual([
      'redeem',
      'freeze',
      'release',
    ]);
    expect(await orderRow(db, orderId)).toMatchObject({ status: 'cancelled', paymentId: null });
    const described = await env.client.workflow.getHandle(`order/${orderId}`).describe();
    expect(described.searchAttributes.BillingStage).toEqual(['cancelled']);
  });

  it('the window keeps running through a failed payment: the order is cancelled unpaid, the coupon released', async () => {
    const { accountId } = await createPayingAccount(db, DEV_TEST_CARDS.insufficientFunds);
    const couponId = await longCoupon(accountId, { faceValue: '5.00' });
    const orderId = uid('ord');
    await createOrder(ctx, {
      orderId,
      accountId,
      commodityCode: 'oss',
      orderType: 'new_purchase',
      amount: '20.00',
      currency: 'USD',
      couponId,
      paymentWindow: '1 day',
    });
    expect(await payOrder(ctx, { orderId })).toMatchObject({
      stage: 'payment_failed',
      attempt: { reason: 'insufficient_funds' },
    });
    const result = await getOrderResult(ctx, orderId);
    expect(result.state).toMatchObject({
      stage: 'cancelled',
      cancelReason: 'payment_window_expired',
    });
    expect(await couponRow(db, couponId)).toMatchObject({ status: 'available', balance: '5.00' });
    expect(await paymentsOf(db, orderId)).toEqual([
      expect.objectContaining({ status: 'declined', failureReason: 'insufficient_funds' }),
    ]);
  });
});

describe('a coupon that expires while its order is unpaid', () => {
  it('the charge is refunded, the order cancelled and the (now expired) coupon released', async () => {
    const { accountId } = await createPayingAccount(db);
    const now = await env.currentTimeMs();
    const couponId = await grantCoupon(db, {
      ownerAccountId: accountId,
      faceValue: '10.00',
      effectiveAt: new Date(now - 86_400_000).toISOString(),
      expiresAt: new Date(now + 3_600_000).toISOString(),
    });
    const orderId = uid('ord');
    await createOrder(ctx, {
      orderId,
      accountId,
      commodityCode: 'ecs',
      orderType: 'new_purchase',
      amount: '30.00',
      currency: 'USD',
      couponId,
      paymentWindow: '1 day',
    });
    await env.sleep('2 hours');
    const refused = await refusedWith(payOrder(ctx, { orderId }));
    expect(refused.code).toBe('coupon_no_longer_usable');
    const result = await getOrderResult(ctx, orderId);
    expect(result.state).toMatchObject({
      stage: 'cancelled',
      coupon: { couponId, state: 'released' },
      refunds: [expect.objectContaining({ amount: '20.00', reason: 'coupon_no_longer_usable' })],
    });
    expect(result.state.cancelReason).toMatch(/^coupon_no_longer_usable/);
    expect((await paymentsOf(db, orderId)).map((p) => [p.kind, p.amount, p.status])).toEqual([
      ['charge', '20.00', 'succeeded'],
      ['refund', '20.00', 'succeeded'],
    ]);
    expect(await couponRow(db, couponId)).toMatchObject({ status: 'expired', balance: '10.00' });
    expect((await movementsOf(db, couponId)).map((m) => m.kind)).toEqual([
      'redeem',
      'freeze',
      'release',
    ]);
  });
});

describe('seed 002 §Returns (rule choice): unsubscription returns the unused part pro rata', () => {
  it('cash coupon and cash payment come back in proportion to the unused term; a threshold coupon does not', async () => {
    const { accountId } = await createPayingAccount(db);
    const cash = await longCoupon(accountId, { faceValue: '30.00' });
    const orderId = uid('ord');
    await createOrder(ctx, {
      orderId,
      accountId,
      commodityCode: 'ecs',
      orderType: 'new_purchase',
      amount: '100.00',
      currency: 'USD',
      durationMonths: 12,
      couponId: cash,
    });
    await payOrder(ctx, { orderId });
    await env.sleep('1 second'); // provisioning
    expect((await getOrderState(ctx, orderId)).stage).toBe('active');
    await env.sleep('146 days'); // about 40 % of the year used

    const state = await unsubscribeOrder(ctx, { orderId, reason: 'no longer needed' });
    expect(state).toMatchObject({ stage: 'unsubscribed', status: 'unsubscribed' });
    const fraction = new Dec(state.unsubscription?.unusedFraction ?? '0');
    expect(fraction.greaterThan('0.59')).toBe(true);
    expect(fraction.lessThan('0.61')).toBe(true);
    // The rule: used × unused fraction, rounded down to the cent.
    const back = new Dec(30).times(fraction).toDecimalPlaces(2, Dec.ROUND_DOWN).toFixed(2);
    const refund = new Dec(70).times(fraction).toDecimalPlaces(2, Dec.ROUND_DOWN).toFixed(2);
    expect(state.coupon).toMatchObject({
      state: 'returned',
      returned: {
        amount: back,
        rule: 'unsubscribed_cash_pro_rata',
        event: 'resource_unsubscribed',
      },
    });
    expect(await couponRow(db, cash)).toMatchObject({ status: 'available', balance: back });
    expect((await movementsOf(db, cash)).at(-1)).toMatchObject({
      kind: 'return',
      balanceDelta: back,
      orderId,
    });
    expect((await paymentsOf(db, orderId)).map((p) => [p.kind, p.amount, p.status])).toEqual([
      ['charge', '70.00', 'succeeded'],
      ['refund', refund, 'succeeded'],
    ]);
    expect(await orderRow(db, orderId)).toMatchObject({ status: 'unsubscribed' });

    const threshold = await longCoupon(accountId, {
      kind: 'threshold',
      faceValue: '20.00',
      threshold: '100.00',
    });
    const second = uid('ord');
    await createOrder(ctx, {
      orderId: second,
      accountId,
      commodityCode: 'ecs',
      orderType: 'new_purchase',
      amount: '100.00',
      currency: 'USD',
      durationMonths: 12,
      couponId: threshold,
    });
    await payOrder(ctx, { orderId: second });
    await env.sleep('30 days');
    const after = await unsubscribeOrder(ctx, { orderId: second });
    expect(after.coupon).toMatchObject({
      state: 'not_returned',
      returned: { amount: '0.00', rule: 'unsubscribed_single_use_not_returned' },
    });
    expect(await couponRow(db, threshold)).toMatchObject({ status: 'used', balance: '0.00' });
  });
});

describe('seed 002 §Paying an order: auto-renewal at term end', () => {
  it('an auto-renewing order starts its renewal at term end, which picks its coupon by rule and pays', async () => {
    const { accountId } = await createPayingAccount(db);
    const orderId = uid('ord');
    await createOrder(ctx, {
      orderId,
      accountId,
      commodityCode: 'rds',
      orderType: 'new_purchase',
      amount: '50.00',
      currency: 'USD',
      durationMonths: 1,
      autoRenew: true,
    });
    await payOrder(ctx, { orderId });
    // Granted after the first order: only the renewal can use them.
    const ten = await longCoupon(accountId, { faceValue: '10.00' });
    const twelve = await longCoupon(accountId, { faceValue: '12.00', orderTypes: ['renewal'] });
    const result = await getOrderResult(ctx, orderId); // skips to term end
    expect(result.outcome).toBe('term_ended');
    expect(result.state.renewedBy).toBe(`${orderId}-r1`);

    const renewalId = `${orderId}-r1`;
    let renewal = await getOrderState(ctx, renewalId);
    for (let i = 0; i < 50 && renewal.stage !== 'active'; i++) {
      await env.sleep('1 second');
      renewal = await getOrderState(ctx, renewalId);
    }
    expect(renewal).toMatchObject({
      orderType: 'renewal',
      stage: 'active',
      renewal: { renewsOrderId: orderId, auto: true },
      coupon: {
        couponId: twelve,
        chosenBy: 'auto_renewal_rule',
        state: 'deducted',
        deduction: '12.00',
      },
      payable: '38.00',
      autoRenew: true,
    });
    expect(await couponRow(db, twelve)).toMatchObject({ status: 'used', balance: '0.00' });
    expect((await movementsOf(db, ten)).map((m) => m.kind)).toEqual(['redeem']);
    expect(await paymentsOf(db, renewalId)).toEqual([
      expect.objectContaining({ kind: 'charge', amount: '38.00', status: 'succeeded' }),
    ]);
  });
});
