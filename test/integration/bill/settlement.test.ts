/**
 * Issue 7, pay-as-you-go bills (seed 002 §Pay-as-you-go bills) on the real
 * Temporal dev server and PostgreSQL: drawdown across several cash coupons in the
 * seed's order, the remainder to funds and then the payment method (automatic
 * recharge), arrears without it, arrears refusing coupons until a top-up clears
 * them, overdue bills, and refused bills. Every test asserts ledger rows and ends
 * with the ledger-consistency check.
 */
import type { Worker } from '@temporalio/worker';
import { BillRefusal, getBillState, settleBill } from '../../../client/bills';
import { billWorkflowId } from '../../../workflows/ids';
import { createTestEngine, type TestEngine } from '../../support/integration';
import {
  accountRow,
  billAccount,
  billRow,
  cashCoupon,
  couponBalance,
  couponMovementsOf,
  DEV_TEST_CARDS,
  expectLedgerConsistent,
  fundsMovementsOf,
  ledgerOf,
  paymentsOf,
  uid,
} from './support';
import { recordHistory } from '../../support/replay';

jest.setTimeout(60_000);

let engine: TestEngine;
let worker: Worker;
let running: Promise<void>;
beforeAll(async () => {
  engine = await createTestEngine();
  worker = await engine.createWorker();
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await engine?.close();
});
afterEach(async () => {
  await expectLedgerConsistent(engine.db);
});

const bill = (accountId: string, amount: string, extra: { overdue?: boolean } = {}) => ({
  billId: uid('bill'),
  accountId,
  commodityCode: 'ecs',
  amount,
  currency: 'USD' as const,
  ...extra,
});

describe('drawdown across coupons (seed 002 §Pay-as-you-go bills)', () => {
  test('soonest expiry first; equal expiry → larger balance first; each draw is a movement', async () => {
    const accountId = await billAccount(engine.db);
    // Two coupons expire on the same day: the larger balance goes first.
    const sameDaySmall = await cashCoupon(engine.db, accountId, '30.00', 40, uid('cpn-a'));
    const sameDayLarge = await cashCoupon(engine.db, accountId, '50.00', 40, uid('cpn-z'));
    const soonest = await cashCoupon(engine.db, accountId, '10.00', 20);
    const latest = await cashCoupon(engine.db, accountId, '100.00', 90);
    const input = bill(accountId, '120.00');

    const state = await settleBill(engine, input);

    expect(state).toMatchObject({
      stage: 'settled',
      couponDeduction: '120.00',
      fundsPaid: '0.00',
      charged: '0.00',
      arrearsAmount: '0.00',
      couponsBlockedBy: null,
    });
    expect(state.coupons).toEqual([
      { couponId: soonest, drawn: '10.00', returned: '0.00' },
      { couponId: sameDayLarge, drawn: '50.00', returned: '0.00' },
      { couponId: sameDaySmall, drawn: '30.00', returned: '0.00' },
      { couponId: latest, drawn: '30.00', returned: '0.00' },
    ]);
    const key = `${billWorkflowId(input.billId)}:settle:drawdown`;
    expect(await couponMovementsOf(engine.db, input.billId)).toEqual([
      {
        couponId: soonest,
        kind: 'deduct',
        balanceDelta: '-10.00',
        balanceAfter: '0.00',
        operationKey: key,
      },
      {
        couponId: sameDayLarge,
        kind: 'deduct',
        balanceDelta: '-50.00',
        balanceAfter: '0.00',
        operationKey: key,
      },
      {
        couponId: sameDaySmall,
        kind: 'deduct',
        balanceDelta: '-30.00',
        balanceAfter: '0.00',
        operationKey: key,
      },
      {
        couponId: latest,
        kind: 'deduct',
        balanceDelta: '-30.00',
        balanceAfter: '70.00',
        operationKey: key,
      },
    ]);
    expect(await couponBalance(engine.db, soonest)).toEqual({ balance: '0.00', status: 'used' });
    expect(await couponBalance(engine.db, latest)).toEqual({
      balance: '70.00',
      status: 'available',
    });
    expect(await billRow(engine.db, input.billId)).toEqual({
      status: 'settled',
      amount: '120.00',
      couponDeduction: '120.00',
      fundsPaid: '0.00',
      charged: '0.00',
      arrearsAmount: '0.00',
    });
    expect(await fundsMovementsOf(engine.db, accountId)).toEqual([]);
    expect(await paymentsOf(engine.db, accountId)).toEqual([]);
  });

  test('what the coupons leave goes to funds, then the payment method by automatic recharge', async () => {
    const accountId = await billAccount(engine.db, {
      funds: '30.00',
      automaticRecharge: true,
      cardNumber: DEV_TEST_CARDS.success,
    });
    const coupon = await cashCoupon(engine.db, accountId, '20.00', 30);
    const input = bill(accountId, '100.00');
    const wf = billWorkflowId(input.billId);

    const state = await settleBill(engine, input);

    expect(state).toMatchObject({
      stage: 'settled',
      couponDeduction: '20.00',
      fundsPaid: '80.00',
      charged: '50.00',
      arrearsAmount: '0.00',
      outstanding: '0.00',
    });
    expect(state.payments).toEqual([
      expect.objectContaining({
        attempt: 1,
        paymentId: expect.stringMatching(/^pay_/),
        idempotencyKey: `${wf}:charge:1`,
        amount: '50.00',
        status: 'succeeded',
      }),
    ]);
    expect(await couponMovementsOf(engine.db, input.billId)).toEqual([
      {
        couponId: coupon,
        kind: 'deduct',
        balanceDelta: '-20.00',
        balanceAfter: '0.00',
        operationKey: `${wf}:settle:drawdown`,
      },
    ]);
    expect(await fundsMovementsOf(engine.db, accountId)).toEqual([
      expect.objectContaining({ kind: 'top_up', amountDelta: '30.00' }),
      {
        kind: 'bill_payment',
        amountDelta: '-30.00',
        billId: input.billId,
        operationKey: `${wf}:settle:funds`,
      },
      {
        kind: 'recharge',
        amountDelta: '50.00',
        billId: null,
        operationKey: `${wf}:charge:1:recharge`,
      },
      {
        kind: 'bill_payment',
        amountDelta: '-50.00',
        billId: input.billId,
        operationKey: `${wf}:charge:1:pay`,
      },
    ]);
    expect(await paymentsOf(engine.db, accountId)).toEqual([
      {
        kind: 'charge',
        amount: '50.00',
        status: 'succeeded',
        billId: input.billId,
        idempotencyKey: `${wf}:charge:1`,
        failureReason: null,
      },
    ]);
    expect(await billRow(engine.db, input.billId)).toEqual({
      status: 'settled',
      amount: '100.00',
      couponDeduction: '20.00',
      fundsPaid: '80.00',
      charged: '50.00',
      arrearsAmount: '0.00',
    });
    expect(await accountRow(engine.db, accountId)).toEqual({
      fundsBalance: '0.00',
      arrears: '0.00',
    });
    await recordHistory(engine.client, wf, 'bill-settled-drawdown-funds-recharge');
  });

  test('automatic recharge also clears the arrears that kept coupons from paying', async () => {
    const accountId = await billAccount(engine.db, {
      arrears: '15.00',
      automaticRecharge: true,
      cardNumber: DEV_TEST_CARDS.success,
    });
    const coupon = await cashCoupon(engine.db, accountId, '100.00', 30);
    const input = bill(accountId, '40.00');

    const state = await settleBill(engine, input);

    // Coupons never pay while arrears are outstanding; the recharge covers bill + arrears.
    expect(state).toMatchObject({
      stage: 'settled',
      couponsBlockedBy: 'outstanding_arrears',
      couponDeduction: '0.00',
      fundsPaid: '40.00',
      charged: '55.00',
    });
    expect(await couponMovementsOf(engine.db, input.billId)).toEqual([]);
    expect(await couponBalance(engine.db, coupon)).toEqual({
      balance: '100.00',
      status: 'available',
    });
    const funds = await fundsMovementsOf(engine.db, accountId);
    expect(funds.map((m) => [m.kind, m.amountDelta])).toEqual([
      ['recharge', '55.00'],
      ['arrears_cleared', '-15.00'],
      ['bill_payment', '-40.00'],
    ]);
    expect(await accountRow(engine.db, accountId)).toEqual({
      fundsBalance: '0.00',
      arrears: '0.00',
    });
    expect((await paymentsOf(engine.db, accountId)).map((p) => p.amount)).toEqual(['55.00']);
  });

  test('without automatic recharge the payment method is not charged: the rest is an arrear', async () => {
    const accountId = await billAccount(engine.db, {
      funds: '10.00',
      cardNumber: DEV_TEST_CARDS.success,
    });
    const input = bill(accountId, '40.00');

    const state = await settleBill(engine, input);

    expect(state).toMatchObject({ stage: 'arrears', fundsPaid: '10.00', arrearsAmount: '30.00' });
    expect(await billRow(engine.db, input.billId)).toMatchObject({
      status: 'arrears',
      fundsPaid: '10.00',
      charged: '0.00',
      arrearsAmount: '30.00',
    });
    expect(await accountRow(engine.db, accountId)).toEqual({
      fundsBalance: '0.00',
      arrears: '30.00',
    });
    expect(await paymentsOf(engine.db, accountId)).toEqual([]);
  });
});

describe('arrears (seed 002 §Pay-as-you-go bills, note)', () => {
  test('arrears refuse coupons; a top-up clears them; then coupons serve the next bill', async () => {
    const accountId = await billAccount(engine.db);
    const coupon = await cashCoupon(engine.db, accountId, '50.00', 30);

    // An overdue bill: coupons never pay it, it becomes arrears.
    const overdue = bill(accountId, '25.00', { overdue: true });
    expect(await settleBill(engine, overdue)).toMatchObject({
      stage: 'arrears',
      couponsBlockedBy: 'overdue_bill',
      couponDeduction: '0.00',
      arrearsAmount: '25.00',
    });

    // While those arrears are outstanding, a new bill gets nothing from coupons either.
    const blocked = bill(accountId, '10.00');
    expect(await settleBill(engine, blocked)).toMatchObject({
      stage: 'arrears',
      couponsBlockedBy: 'outstanding_arrears',
      couponDeduction: '0.00',
      arrearsAmount: '10.00',
    });
    expect(await couponMovementsOf(engine.db, overdue.billId)).toEqual([]);
    expect(await couponMovementsOf(engine.db, blocked.billId)).toEqual([]);
    expect(await couponBalance(engine.db, coupon)).toEqual({
      balance: '50.00',
      status: 'available',
    });
    expect(await accountRow(engine.db, accountId)).toEqual({
      fundsBalance: '0.00',
      arrears: '35.00',
    });

    // The customer tops up: the arrears are cleared first.
    const topUp = await ledgerOf(engine.db).addFunds({
      accountId,
      amount: '40.00',
      currency: 'USD',
      kind: 'top_up',
      operationKey: uid('top-up'),
    });
    expect(topUp).toMatchObject({ arrearsCleared: '35.00', fundsBalance: '5.00', arrears: '0.00' });

    // Coupons serve the next bill again.
    const next = bill(accountId, '30.00');
    const state = await settleBill(engine, next);
    expect(state).toMatchObject({
      stage: 'settled',
      couponsBlockedBy: null,
      couponDeduction: '30.00',
      fundsPaid: '0.00',
    });
    expect(await couponMovementsOf(engine.db, next.billId)).toEqual([
      expect.objectContaining({
        couponId: coupon,
        kind: 'deduct',
        balanceDelta: '-30.00',
        balanceAfter: '20.00',
      }),
    ]);
    expect(await accountRow(engine.db, accountId)).toEqual({
      fundsBalance: '5.00',
      arrears: '0.00',
    });
  });
});

describe('bill input and state', () => {
  test('an unknown account is refused naming the field; no bill row, no ledger rows', async () => {
    const input = bill('acct-missing-1', '10.00');
    const err = await settleBill(engine, input).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BillRefusal);
    expect(err).toMatchObject({ code: 'account_not_found', details: { field: 'accountId' } });
    expect(await engine.db.bill.findUnique({ where: { id: input.billId } })).toBeNull();
  });

  test('bad input is refused by the client before anything starts', async () => {
    const err = await settleBill(engine, { ...bill('acct-x', '10.001'), commodityCode: '' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BillRefusal);
    const fields = (err as BillRefusal).details.fields?.map((f) => f.path).sort();
    expect(fields).toEqual(['amount', 'commodityCode']);
  });

  test('state query, BillingStage search attribute and current details', async () => {
    const accountId = await billAccount(engine.db, { funds: '100.00' });
    const input = bill(accountId, '12.50');
    await settleBill(engine, input);
    const state = await getBillState(engine, input.billId);
    expect(state).toMatchObject({ billId: input.billId, stage: 'settled', fundsPaid: '12.50' });
    const handle = engine.client.workflow.getHandle(billWorkflowId(input.billId));
    const described = await handle.describe();
    expect(described.typedSearchAttributes.get({ name: 'BillingStage', type: 'KEYWORD' })).toBe(
      'settled',
    );
    expect(await described.staticSummary()).toContain(input.billId);
    const metadata = await handle.query<{ currentDetails?: string }>(
      '__temporal_workflow_metadata',
    );
    expect(metadata.currentDetails).toContain('Settled');
    expect(metadata.currentDetails).toContain('funds: 12.50');
  });
});
