/**
 * Issue 9, faults by configuration (activities/faults.ts): the payment gateway and
 * the provisioning provider fail, time out and answer slowly. Short outages are
 * absorbed by the activities' retry policies (3 tries); a final failure leaves an
 * order in payment_failed (coupon still frozen, nothing charged) or runs the
 * provisioning saga (refund + coupon return); a bill waits in payment_failed and
 * its cancellation turns the rest into arrears. Ledger check after every scenario.
 */
import { randomUUID } from 'node:crypto';
import { engineDataConverter } from '../../client/data-converter';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { ActivitiesOptions } from '../../activities';
import type { Fault } from '../../activities/faults';
import { faultSettings, parseEngineEnv } from '../../worker/config';
import { checkLedgerConsistency } from '../../activities/ledger/consistency';
import {
  cancelOrder,
  createOrder,
  getOrderResult,
  getOrderState,
  payOrder,
} from '../../client/orders';
import { cancelBillPayment, settleBill } from '../../client/bills';
import type { EngineClientContext } from '../../client/trial-upgrade';
import { createBillingWorker } from '../../worker/worker';
import { TEST_ENV } from '../setup/services';
import { createTestEngine, type TestEngine } from '../support/integration';
import { uid } from '../support/ledger-fixtures';
import {
  couponRow,
  createPayingAccount,
  eventually,
  grantCouponNow,
  movementsOf,
  orderRow,
  paymentsOf,
} from './order/support';
import {
  accountRow,
  billAccount,
  DEV_TEST_CARDS,
  paymentsOf as billPayments,
} from './bill/support';

jest.setTimeout(90_000);

let engine: TestEngine;
let connection: NativeConnection;
const stops: (() => Promise<void>)[] = [];
beforeAll(async () => {
  engine = await createTestEngine();
  connection = await NativeConnection.connect({
    address: process.env[TEST_ENV.temporalAddress] ?? '',
  });
});
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
  expect(await checkLedgerConsistency(engine.db)).toEqual({ ok: true, coupons: [], accounts: [] });
});
afterAll(async () => {
  await connection?.close();
  await engine?.close();
});

/** A worker of its own whose ports carry `faults`. */
async function faultyWorker(faults: ActivitiesOptions['faults']): Promise<EngineClientContext> {
  const taskQueue = `faults-${randomUUID()}`;
  const worker: Worker = await createBillingWorker({
    connection,
    namespace: 'default',
    taskQueue,
    db: engine.db,
    workflowBundle: { codePath: process.env[TEST_ENV.workflowBundle] ?? '' },
    activities: { faults: faults ?? {} },
    dataConverter: engineDataConverter(engine.keyring),
  });
  const running = worker.run();
  stops.push(async () => {
    worker.shutdown();
    await running;
  });
  return { client: engine.client, taskQueue };
}

const fault = (mode: Fault['mode'], extra: Partial<Fault> = {}): Fault => ({
  mode,
  delayMs: 300,
  ...extra,
});

async function newOrder(ctx: EngineClientContext) {
  const { accountId } = await createPayingAccount(engine.db);
  const couponId = await grantCouponNow(engine.db, {
    ownerAccountId: accountId,
    faceValue: '10.00',
  });
  const orderId = uid('ord-fault');
  await createOrder(ctx, {
    orderId,
    accountId,
    commodityCode: 'ecs',
    orderType: 'new_purchase',
    amount: '50.00',
    currency: 'USD',
    durationMonths: 1,
    couponId,
  });
  return { accountId, couponId, orderId };
}

test('configuration: PAYMENT_FAULT / PROVISIONING_FAULT and their delay and count are read', () => {
  expect(
    faultSettings(
      parseEngineEnv({
        PAYMENT_FAULT: 'timeout',
        PAYMENT_FAULT_DELAY: '5s',
        PAYMENT_FAULT_COUNT: '2',
        PROVISIONING_FAULT: 'slow',
      }),
    ),
  ).toEqual({
    payment: { mode: 'timeout', delayMs: 5000, count: 2 },
    provisioning: { mode: 'slow', delayMs: 2000 },
  });
  expect(faultSettings(parseEngineEnv({}))).toEqual({
    payment: { mode: 'none', delayMs: 2000 },
    provisioning: { mode: 'none', delayMs: 2000 },
  });
  expect(() => parseEngineEnv({ PAYMENT_FAULT: 'explode' })).toThrow(/PAYMENT_FAULT/);
});

describe('payment gateway', () => {
  test.each([
    ['fails twice, then answers', fault('fail', { count: 2 })],
    ['times out twice, then answers', fault('timeout', { count: 2 })],
    ['answers slowly', fault('slow', { delayMs: 1500 })],
  ])('%s: retried by policy under the same key, charged once', async (_name, payment) => {
    const ctx = await faultyWorker({ payment });
    const { couponId, orderId } = await newOrder(ctx);
    const paid = await payOrder(ctx, { orderId });
    expect(paid).toMatchObject({ paid: true, attempt: { attempt: 1, status: 'succeeded' } });
    expect(await paymentsOf(engine.db, orderId)).toEqual([
      expect.objectContaining({
        kind: 'charge',
        status: 'succeeded',
        amount: '40.00',
        idempotencyKey: `order/${orderId}:charge:1`,
      }),
    ]);
    expect((await movementsOf(engine.db, couponId)).map((m) => m.kind)).toEqual([
      'redeem',
      'freeze',
      'deduct',
    ]);
    await eventually(
      () => getOrderState(ctx, orderId),
      (s) => s.stage === 'active',
    );
  });

  test('stays down past the policy: payment_failed, nothing deducted; a cancellation releases the coupon', async () => {
    const ctx = await faultyWorker({ payment: fault('timeout') });
    const { couponId, orderId } = await newOrder(ctx);
    const failed = await payOrder(ctx, { orderId });
    expect(failed).toMatchObject({
      paid: false,
      stage: 'payment_failed',
      attempt: { attempt: 1, status: 'failed', reason: 'gateway_unavailable' },
    });
    expect(failed.attempt?.message).toContain('injected fault: no answer');
    // One charge row whose outcome is unknown (pending): never a second one.
    expect(await paymentsOf(engine.db, orderId)).toEqual([
      expect.objectContaining({ kind: 'charge', status: 'pending' }),
    ]);
    expect(await couponRow(engine.db, couponId)).toMatchObject({ status: 'frozen' });
    await cancelOrder(ctx, { orderId, reason: 'gateway down' });
    expect((await getOrderResult(ctx, orderId)).outcome).toBe('cancelled');
    expect((await movementsOf(engine.db, couponId)).map((m) => m.kind)).toEqual([
      'redeem',
      'freeze',
      'release',
    ]);
    expect(await couponRow(engine.db, couponId)).toMatchObject({
      status: 'available',
      balance: '10.00',
    });
    expect(await orderRow(engine.db, orderId)).toMatchObject({ status: 'cancelled' });
  });

  test('a bill whose recharge fails for good waits in payment_failed; cancelling turns the rest into arrears', async () => {
    const ctx = await faultyWorker({ payment: fault('fail') });
    const accountId = await billAccount(engine.db, {
      funds: '10.00',
      automaticRecharge: true,
      cardNumber: DEV_TEST_CARDS.success,
    });
    const billId = uid('bill-fault');
    const state = await settleBill(ctx, {
      billId,
      accountId,
      commodityCode: 'ecs',
      amount: '30.00',
      currency: 'USD',
      policy: { adjustmentWindow: '1s' },
    });
    expect(state).toMatchObject({
      stage: 'payment_failed',
      fundsPaid: '10.00',
      paymentFailure: { reason: 'gateway_unavailable' },
    });
    const cancelled = await cancelBillPayment(ctx, { billId, reason: 'gateway down' });
    expect(cancelled).toMatchObject({ stage: 'arrears', arrearsAmount: '20.00' });
    expect(await accountRow(engine.db, accountId)).toEqual({
      fundsBalance: '0.00',
      arrears: '20.00',
    });
    expect(await billPayments(engine.db, accountId)).toEqual([
      expect.objectContaining({ kind: 'charge', status: 'pending', amount: '20.00' }),
    ]);
  });
});

describe('provisioning provider', () => {
  test.each([
    ['fails twice, then answers', fault('fail', { count: 2 })],
    ['times out once, then answers', fault('timeout', { count: 1 })],
    ['answers slowly', fault('slow', { delayMs: 1500 })],
  ])('%s: retried by policy, provisioned once', async (_name, provisioning) => {
    const ctx = await faultyWorker({ provisioning });
    const { orderId } = await newOrder(ctx);
    await payOrder(ctx, { orderId });
    const active = await eventually(
      () => getOrderState(ctx, orderId),
      (s) => s.stage === 'active',
    );
    expect(active.resourceId).toMatch(/^res_/);
    expect(await orderRow(engine.db, orderId)).toMatchObject({ status: 'provisioned' });
    expect(await paymentsOf(engine.db, orderId)).toHaveLength(1);
  });

  test.each([
    ['fails every time', fault('fail')],
    ['times out every time', fault('timeout')],
  ])('%s: the saga refunds the payment and returns the coupon', async (_name, provisioning) => {
    const ctx = await faultyWorker({ provisioning });
    const { couponId, orderId } = await newOrder(ctx);
    await payOrder(ctx, { orderId });
    const result = await getOrderResult(ctx, orderId);
    expect(result.outcome).toBe('provisioning_failed');
    expect(result.state.provisioningFailure).toContain('injected fault');
    expect(await paymentsOf(engine.db, orderId)).toEqual([
      expect.objectContaining({ kind: 'charge', status: 'succeeded', amount: '40.00' }),
      expect.objectContaining({ kind: 'refund', status: 'succeeded', amount: '40.00' }),
    ]);
    const kinds = (await movementsOf(engine.db, couponId)).map((m) => m.kind);
    expect(kinds.slice(0, 3)).toEqual(['redeem', 'freeze', 'deduct']);
    expect(kinds.filter((k) => k === 'deduct')).toHaveLength(1);
    expect(kinds.length).toBe(4); // one return decision booked
    expect(await orderRow(engine.db, orderId)).toMatchObject({ status: 'provisioning_failed' });
  });
});
