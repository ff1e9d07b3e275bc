/**
 * Issue 7: the same update or activity delivered twice charges, deducts and
 * returns once. Two workers: the ordinary one, and one whose every state-changing
 * activity runs its work and then "loses" the completion (a retryable failure after
 * the work was done), so Temporal delivers the activity a second time with the same
 * input — as after a worker crash or a network cut. Payment rows, funds movements
 * and coupon movements are counted. Every test ends with the ledger-consistency check.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { engineDataConverter } from '../../../client/data-converter';
import { createActivities } from '../../../activities';
import {
  adjustBill,
  retryBillPayment,
  rollbackBill,
  settleBill,
  startBill,
} from '../../../client/bills';
import { billWorkflowId } from '../../../workflows/ids';
import { TEST_ENV } from '../../setup/services';
import { createTestEngine, type TestEngine } from '../../support/integration';
import {
  accountRow,
  billAccount,
  billRow,
  card,
  cashCoupon,
  couponBalance,
  couponMovementsOf,
  DEV_TEST_CARDS,
  expectLedgerConsistent,
  fundsMovementsOf,
  gateway,
  paymentsOf,
  uid,
} from './support';

jest.setTimeout(120_000);

/** Activities that only read: delivering them twice proves nothing and costs a retry delay. */
const READS = new Set(['getBillAccountStatus', 'getDefaultPaymentMethod', 'getAccount']);
/** How often each activity's work ran on a first attempt whose completion was then lost. */
const lostCompletions = new Map<string, number>();

type AnyActivity = (...args: unknown[]) => Promise<unknown>;

function deliveredTwice<T extends object>(activities: T): T {
  const wrapped: Record<string, AnyActivity> = {};
  for (const [name, fn] of Object.entries(activities) as [string, AnyActivity][]) {
    wrapped[name] = READS.has(name)
      ? fn
      : async (...args: unknown[]) => {
          const result = await fn(...args);
          if (Context.current().info.attempt === 1) {
            lostCompletions.set(name, (lostCompletions.get(name) ?? 0) + 1);
            throw ApplicationFailure.retryable(
              'the completion was lost',
              'simulated_lost_completion',
            );
          }
          return result;
        };
  }
  return wrapped as T;
}

let engine: TestEngine;
let worker: Worker;
let running: Promise<void>;
let twiceConnection: NativeConnection;
let twiceWorker: Worker;
let twiceRunning: Promise<void>;
const twiceQueue = `twice-${uid('q')}`;

beforeAll(async () => {
  engine = await createTestEngine();
  worker = await engine.createWorker();
  running = worker.run();
  twiceConnection = await NativeConnection.connect({
    address: process.env[TEST_ENV.temporalAddress] ?? '',
  });
  twiceWorker = await Worker.create({
    connection: twiceConnection,
    namespace: 'default',
    taskQueue: twiceQueue,
    activities: deliveredTwice(createActivities(engine.db)),
    workflowBundle: { codePath: process.env[TEST_ENV.workflowBundle] ?? '' },
    dataConverter: engineDataConverter(engine.keyring),
  });
  twiceRunning = twiceWorker.run();
});
afterAll(async () => {
  worker?.shutdown();
  twiceWorker?.shutdown();
  await Promise.all([running, twiceRunning]);
  await twiceConnection?.close();
  await engine?.close();
});
afterEach(async () => {
  await expectLedgerConsistent(engine.db);
});

const bill = (accountId: string, amount: string) => ({
  billId: uid('bill'),
  accountId,
  commodityCode: 'ecs',
  amount,
  currency: 'USD' as const,
});

describe('every activity delivered twice', () => {
  test('settle (coupons, funds, recharge) and rollback each change the ledger once', async () => {
    lostCompletions.clear();
    const twice = { client: engine.client, taskQueue: twiceQueue };
    const accountId = await billAccount(engine.db, {
      funds: '15.00',
      automaticRecharge: true,
      cardNumber: DEV_TEST_CARDS.success,
    });
    const first = await cashCoupon(engine.db, accountId, '10.00', 20);
    const second = await cashCoupon(engine.db, accountId, '20.00', 40);
    const input = bill(accountId, '60.00');
    const wf = billWorkflowId(input.billId);

    const state = await settleBill(twice, input);

    expect(state).toMatchObject({
      stage: 'settled',
      couponDeduction: '30.00',
      fundsPaid: '30.00',
      charged: '15.00',
    });
    // The work really ran twice for each state-changing step...
    expect(Object.fromEntries(lostCompletions)).toEqual({
      openBill: 1,
      drawDownBill: 1,
      payBillFromFunds: 2,
      chargePayment: 1,
      addFunds: 1,
      recordBill: 1,
    });
    // ...and the ledger holds each effect once.
    expect(await couponMovementsOf(engine.db, input.billId)).toEqual([
      expect.objectContaining({ couponId: first, kind: 'deduct', balanceDelta: '-10.00' }),
      expect.objectContaining({ couponId: second, kind: 'deduct', balanceDelta: '-20.00' }),
    ]);
    expect(await paymentsOf(engine.db, accountId)).toEqual([
      expect.objectContaining({
        kind: 'charge',
        status: 'succeeded',
        amount: '15.00',
        idempotencyKey: `${wf}:charge:1`,
      }),
    ]);
    expect(
      (await fundsMovementsOf(engine.db, accountId)).map((m) => [m.kind, m.amountDelta]),
    ).toEqual([
      ['top_up', '15.00'],
      ['bill_payment', '-15.00'],
      ['recharge', '15.00'],
      ['bill_payment', '-15.00'],
    ]);
    expect(await billRow(engine.db, input.billId)).toEqual({
      status: 'settled',
      amount: '60.00',
      couponDeduction: '30.00',
      fundsPaid: '30.00',
      charged: '15.00',
      arrearsAmount: '0.00',
    });

    lostCompletions.clear();
    const rolled = await rollbackBill(twice, { billId: input.billId, reason: 'test' });
    expect(rolled.rollback).toMatchObject({ couponsReturned: '30.00', fundsReturned: '30.00' });
    expect(lostCompletions.get('returnCoupon')).toBe(2);
    expect(lostCompletions.get('returnBillPayment')).toBe(1);
    expect(
      (await couponMovementsOf(engine.db, input.billId)).filter((m) => m.kind === 'return'),
    ).toHaveLength(2);
    expect(await couponBalance(engine.db, first)).toEqual({
      balance: '10.00',
      status: 'available',
    });
    expect(await couponBalance(engine.db, second)).toEqual({
      balance: '20.00',
      status: 'available',
    });
    const refunds = (await fundsMovementsOf(engine.db, accountId)).filter(
      (m) => m.kind === 'bill_refund',
    );
    expect(refunds.map((m) => m.amountDelta)).toEqual(['30.00']);
    // The recharge stays as the account's funds (docs/bills.md): 15 top-up + 15 recharge.
    expect(await accountRow(engine.db, accountId)).toEqual({
      fundsBalance: '30.00',
      arrears: '0.00',
    });

    // A worker that restarts replays the history to the same decisions (no nondeterminism),
    // and replaying runs no activity: the ledger is untouched.
    const handle = engine.client.workflow.getHandle(wf);
    await handle.result();
    const movementsBefore = await couponMovementsOf(engine.db, input.billId);
    await Worker.runReplayHistory(
      {
        workflowBundle: { codePath: process.env[TEST_ENV.workflowBundle] ?? '' },
        dataConverter: engineDataConverter(engine.keyring),
      },
      await handle.fetchHistory(),
      wf,
    );
    expect(await couponMovementsOf(engine.db, input.billId)).toEqual(movementsBefore);
  });
});

describe('the same update delivered twice', () => {
  test('starting a bill twice settles it once', async () => {
    const accountId = await billAccount(engine.db, { funds: '50.00' });
    const coupon = await cashCoupon(engine.db, accountId, '5.00', 30);
    const input = bill(accountId, '20.00');

    const [a, b] = await Promise.all([settleBill(engine, input), settleBill(engine, input)]);
    const first = await (await startBill(engine, input)).handle.describe();
    const again = await (await startBill(engine, input)).handle.describe();

    expect(a).toEqual(b);
    expect(again.runId).toBe(first.runId);
    expect(await couponMovementsOf(engine.db, input.billId)).toHaveLength(1);
    expect(await couponBalance(engine.db, coupon)).toMatchObject({ balance: '0.00' });
    expect(
      (await fundsMovementsOf(engine.db, accountId)).filter((m) => m.kind === 'bill_payment'),
    ).toHaveLength(1);
    expect(await accountRow(engine.db, accountId)).toEqual({
      fundsBalance: '35.00',
      arrears: '0.00',
    });
  });

  test('a retryPayment sent twice with one update id charges once', async () => {
    const accountId = await billAccount(engine.db, {
      automaticRecharge: true,
      cardNumber: DEV_TEST_CARDS.declined,
    });
    const input = bill(accountId, '9.99');
    await settleBill(engine, input);
    const ctx = { ...engine, paymentGateway: gateway };
    const retry = {
      billId: input.billId,
      paymentMethod: card(DEV_TEST_CARDS.success),
    };

    const first = await retryBillPayment(ctx, retry, { updateId: 'retry-1' });
    const second = await retryBillPayment(ctx, retry, { updateId: 'retry-1' });

    expect(first).toMatchObject({ stage: 'settled', charged: '9.99' });
    expect(second).toEqual(first);
    expect((await paymentsOf(engine.db, accountId)).map((p) => [p.status, p.amount])).toEqual([
      ['declined', '9.99'],
      ['succeeded', '9.99'],
    ]);
    expect(
      (await fundsMovementsOf(engine.db, accountId)).map((m) => [m.kind, m.amountDelta]),
    ).toEqual([
      ['recharge', '9.99'],
      ['bill_payment', '-9.99'],
    ]);
    expect(await engine.db.paymentMethod.count({ where: { accountId } })).toBe(2);
  });

  test('an adjustment sent twice with one update id returns once', async () => {
    const accountId = await billAccount(engine.db, { funds: '10.00' });
    const coupon = await cashCoupon(engine.db, accountId, '10.00', 30);
    const input = bill(accountId, '20.00');
    await settleBill(engine, input);
    const adjust = { billId: input.billId, adjustedAmount: '10.00', reason: 'halved' };

    const first = await adjustBill(engine, adjust, { updateId: 'adjust-1' });
    const second = await adjustBill(engine, adjust, { updateId: 'adjust-1' });

    expect(first).toMatchObject({ amount: '10.00', couponDeduction: '5.00', fundsPaid: '5.00' });
    expect(second).toEqual(first);
    expect(first.adjustments).toHaveLength(1);
    expect(
      (await couponMovementsOf(engine.db, input.billId)).map((m) => [m.kind, m.balanceDelta]),
    ).toEqual([
      ['deduct', '-10.00'],
      ['return', '5.00'],
    ]);
    expect(await couponBalance(engine.db, coupon)).toMatchObject({ balance: '5.00' });
    expect(
      (await fundsMovementsOf(engine.db, accountId)).map((m) => [m.kind, m.amountDelta]),
    ).toEqual([
      ['top_up', '10.00'],
      ['bill_payment', '-10.00'],
      ['bill_refund', '5.00'],
    ]);
  });
});
