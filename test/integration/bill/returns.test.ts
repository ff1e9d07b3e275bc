/**
 * Issue 7, bill rollback and bill adjustment (seed 002 §Returns; the adjustment
 * rule of docs/rules.md and docs/bills.md) on the real Temporal dev server and
 * PostgreSQL: what comes back to each coupon, to funds and off the arrears, as
 * ledger rows. Every test ends with the ledger-consistency check.
 */
import type { Worker } from '@temporalio/worker';
import { adjustBill, BillRefusal, rollbackBill, settleBill } from '../../../client/bills';
import { billWorkflowId } from '../../../workflows/ids';
import { createTestEngine, type TestEngine } from '../../support/integration';
import {
  accountRow,
  billAccount,
  billRow,
  cashCoupon,
  couponBalance,
  couponMovementsOf,
  expectLedgerConsistent,
  fundsMovementsOf,
  ledgerOf,
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

const bill = (accountId: string, amount: string) => ({
  billId: uid('bill'),
  accountId,
  commodityCode: 'ecs',
  amount,
  currency: 'USD' as const,
});

async function refusalOf(promise: Promise<unknown>): Promise<BillRefusal> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof BillRefusal) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('bill rollback (seed 002 §Returns: cash coupons come back)', () => {
  test('returns what each coupon paid, what funds paid, and cancels the arrears', async () => {
    const accountId = await billAccount(engine.db, { funds: '20.00' });
    const first = await cashCoupon(engine.db, accountId, '30.00', 20);
    const second = await cashCoupon(engine.db, accountId, '25.00', 40);
    const input = bill(accountId, '100.00');
    const wf = billWorkflowId(input.billId);

    expect(await settleBill(engine, input)).toMatchObject({
      stage: 'arrears',
      couponDeduction: '55.00',
      fundsPaid: '20.00',
      arrearsAmount: '25.00',
    });
    expect(await accountRow(engine.db, accountId)).toEqual({
      fundsBalance: '0.00',
      arrears: '25.00',
    });

    const state = await rollbackBill(engine, { billId: input.billId, reason: 'metering error' });

    expect(state).toMatchObject({
      stage: 'rolled_back',
      couponDeduction: '0.00',
      fundsPaid: '0.00',
      arrearsAmount: '0.00',
      rollback: {
        reason: 'metering error',
        couponsReturned: '55.00',
        fundsReturned: '20.00',
        arrearsWrittenOff: '25.00',
        arrearsRefunded: '0.00',
      },
    });
    expect(state.coupons).toEqual([
      { couponId: first, drawn: '30.00', returned: '30.00' },
      { couponId: second, drawn: '25.00', returned: '25.00' },
    ]);
    expect(await couponMovementsOf(engine.db, input.billId)).toEqual([
      expect.objectContaining({ couponId: first, kind: 'deduct', balanceDelta: '-30.00' }),
      expect.objectContaining({ couponId: second, kind: 'deduct', balanceDelta: '-25.00' }),
      {
        couponId: first,
        kind: 'return',
        balanceDelta: '30.00',
        balanceAfter: '30.00',
        operationKey: `${wf}:rollback:coupon:${first}`,
      },
      {
        couponId: second,
        kind: 'return',
        balanceDelta: '25.00',
        balanceAfter: '25.00',
        operationKey: `${wf}:rollback:coupon:${second}`,
      },
    ]);
    expect(await couponBalance(engine.db, first)).toEqual({
      balance: '30.00',
      status: 'available',
    });
    expect(await couponBalance(engine.db, second)).toEqual({
      balance: '25.00',
      status: 'available',
    });
    expect((await fundsMovementsOf(engine.db, accountId)).slice(1)).toEqual([
      {
        kind: 'bill_payment',
        amountDelta: '-20.00',
        billId: input.billId,
        operationKey: `${wf}:settle:funds`,
      },
      {
        kind: 'bill_refund',
        amountDelta: '20.00',
        billId: input.billId,
        operationKey: `${wf}:rollback:payment`,
      },
    ]);
    expect(await accountRow(engine.db, accountId)).toEqual({
      fundsBalance: '20.00',
      arrears: '0.00',
    });
    expect(await billRow(engine.db, input.billId)).toEqual({
      status: 'rolled_back',
      amount: '100.00',
      couponDeduction: '0.00',
      fundsPaid: '0.00',
      charged: '0.00',
      arrearsAmount: '0.00',
    });

    // A rolled-back bill completes; a second rollback is refused and returns nothing.
    const handle = engine.client.workflow.getHandle(wf);
    expect(await handle.result()).toMatchObject({ stage: 'rolled_back' });
    await expect(rollbackBill(engine, { billId: input.billId, reason: 'again' })).rejects.toThrow();
    expect(await couponMovementsOf(engine.db, input.billId)).toHaveLength(4);
    await recordHistory(engine.client, wf, 'bill-rolled-back');
  });

  test('arrears a top-up already cleared come back to funds', async () => {
    const accountId = await billAccount(engine.db);
    const input = bill(accountId, '10.00');
    await settleBill(engine, input);
    await ledgerOf(engine.db).addFunds({
      accountId,
      amount: '30.00',
      currency: 'USD',
      kind: 'top_up',
      operationKey: uid('top-up'),
    });
    expect(await accountRow(engine.db, accountId)).toEqual({
      fundsBalance: '20.00',
      arrears: '0.00',
    });

    const state = await rollbackBill(engine, { billId: input.billId, reason: 'duplicate bill' });

    expect(state.rollback).toMatchObject({ arrearsWrittenOff: '0.00', arrearsRefunded: '10.00' });
    expect(await accountRow(engine.db, accountId)).toEqual({
      fundsBalance: '30.00',
      arrears: '0.00',
    });
    const funds = await fundsMovementsOf(engine.db, accountId);
    expect(funds.map((m) => [m.kind, m.amountDelta, m.billId])).toEqual([
      ['top_up', '30.00', null],
      ['arrears_cleared', '-10.00', null],
      ['arrears_cleared', '10.00', input.billId],
    ]);
  });
});

describe('bill adjustment (seed 002 §Returns "bill adjusted": by rule, docs/rules.md)', () => {
  test('down: each cash coupon gets its pro rata share (rounded down), the rest goes to funds', async () => {
    const accountId = await billAccount(engine.db, { funds: '40.00' });
    const coupon = await cashCoupon(engine.db, accountId, '100.00', 30);
    // Uses 60 of the coupon's 100 by a first bill, so the next bill is part coupon, part funds.
    const input = bill(accountId, '100.00');
    const seed = bill(accountId, '40.00');
    await settleBill(engine, seed);
    expect(await couponBalance(engine.db, coupon)).toMatchObject({ balance: '60.00' });
    const wf = billWorkflowId(input.billId);

    expect(await settleBill(engine, input)).toMatchObject({
      couponDeduction: '60.00',
      fundsPaid: '40.00',
    });

    // 100 → 70: the coupon gets 60 × 30/100 = 18; funds get the other 12.
    const once = await adjustBill(engine, {
      billId: input.billId,
      adjustedAmount: '70',
      reason: 'usage corrected',
    });
    expect(once).toMatchObject({
      stage: 'settled',
      amount: '70.00',
      couponDeduction: '42.00',
      fundsPaid: '28.00',
    });
    expect(once.adjustments).toEqual([
      expect.objectContaining({
        from: '100.00',
        to: '70.00',
        couponsReturned: '18.00',
        fundsReturned: '12.00',
        arrearsWrittenOff: '0.00',
      }),
    ]);

    // 70 → 33.33: the coupon's share 42 × 36.67/70 = 22.002 rounds DOWN to 22.00; funds get 14.67.
    const twice = await adjustBill(engine, {
      billId: input.billId,
      adjustedAmount: '33.33',
      reason: 'usage corrected again',
    });
    expect(twice).toMatchObject({ amount: '33.33', couponDeduction: '20.00', fundsPaid: '13.33' });
    expect(twice.adjustments[1]).toMatchObject({
      couponsReturned: '22.00',
      fundsReturned: '14.67',
    });
    expect(await couponMovementsOf(engine.db, input.billId)).toEqual([
      expect.objectContaining({ kind: 'deduct', balanceDelta: '-60.00', balanceAfter: '0.00' }),
      {
        couponId: coupon,
        kind: 'return',
        balanceDelta: '18.00',
        balanceAfter: '18.00',
        operationKey: `${wf}:adjust:1:coupon:${coupon}`,
      },
      {
        couponId: coupon,
        kind: 'return',
        balanceDelta: '22.00',
        balanceAfter: '40.00',
        operationKey: `${wf}:adjust:2:coupon:${coupon}`,
      },
    ]);
    expect(await billRow(engine.db, input.billId)).toEqual({
      status: 'settled',
      amount: '33.33',
      couponDeduction: '20.00',
      fundsPaid: '13.33',
      charged: '0.00',
      arrearsAmount: '0.00',
    });
    expect(await accountRow(engine.db, accountId)).toEqual({
      fundsBalance: '26.67',
      arrears: '0.00',
    });

    // A rollback after adjustments returns exactly what is left.
    const rolled = await rollbackBill(engine, { billId: input.billId, reason: 'cancelled' });
    expect(rolled.rollback).toMatchObject({ couponsReturned: '20.00', fundsReturned: '13.33' });
    expect(await couponBalance(engine.db, coupon)).toMatchObject({ balance: '60.00' });
    expect(await accountRow(engine.db, accountId)).toEqual({
      fundsBalance: '40.00',
      arrears: '0.00',
    });
  });

  test('down on a bill in arrears: the reduction cancels arrears first, then refunds funds', async () => {
    const accountId = await billAccount(engine.db, { funds: '10.00' });
    const input = bill(accountId, '50.00');
    expect(await settleBill(engine, input)).toMatchObject({
      stage: 'arrears',
      fundsPaid: '10.00',
      arrearsAmount: '40.00',
    });

    const down = await adjustBill(engine, {
      billId: input.billId,
      adjustedAmount: '20.00',
      reason: 'discount',
    });
    expect(down).toMatchObject({ stage: 'arrears', arrearsAmount: '10.00', fundsPaid: '10.00' });
    expect(await accountRow(engine.db, accountId)).toEqual({
      fundsBalance: '0.00',
      arrears: '10.00',
    });

    const further = await adjustBill(engine, {
      billId: input.billId,
      adjustedAmount: '5.00',
      reason: 'discount',
    });
    expect(further).toMatchObject({ stage: 'settled', arrearsAmount: '0.00', fundsPaid: '5.00' });
    expect(further.adjustments[1]).toMatchObject({
      arrearsWrittenOff: '10.00',
      fundsReturned: '5.00',
    });
    expect(await accountRow(engine.db, accountId)).toEqual({
      fundsBalance: '5.00',
      arrears: '0.00',
    });
    expect(await billRow(engine.db, input.billId)).toMatchObject({
      status: 'settled',
      amount: '5.00',
      fundsPaid: '5.00',
      arrearsAmount: '0.00',
    });
  });

  test('up: the difference is settled like a bill (coupons, then funds)', async () => {
    const accountId = await billAccount(engine.db, { funds: '3.00' });
    const coupon = await cashCoupon(engine.db, accountId, '20.00', 30);
    const input = bill(accountId, '10.00');
    await settleBill(engine, input);

    const up = await adjustBill(engine, {
      billId: input.billId,
      adjustedAmount: '23.00',
      reason: 'late usage',
    });

    expect(up).toMatchObject({
      stage: 'settled',
      amount: '23.00',
      couponDeduction: '20.00',
      fundsPaid: '3.00',
    });
    const wf = billWorkflowId(input.billId);
    expect(await couponMovementsOf(engine.db, input.billId)).toEqual([
      expect.objectContaining({ couponId: coupon, balanceDelta: '-10.00', balanceAfter: '10.00' }),
      {
        couponId: coupon,
        kind: 'deduct',
        balanceDelta: '-10.00',
        balanceAfter: '0.00',
        operationKey: `${wf}:adjust:1:drawdown`,
      },
    ]);
    expect(await billRow(engine.db, input.billId)).toMatchObject({
      amount: '23.00',
      couponDeduction: '20.00',
      fundsPaid: '3.00',
    });
  });

  test('refusals: unchanged amount, too many decimals; nothing is written', async () => {
    const accountId = await billAccount(engine.db, { funds: '50.00' });
    const input = bill(accountId, '10.00');
    await settleBill(engine, input);
    const before = await fundsMovementsOf(engine.db, accountId);

    const same = await refusalOf(
      adjustBill(engine, { billId: input.billId, adjustedAmount: '10', reason: 'x' }),
    );
    expect(same.code).toBe('adjustment_unchanged');
    const digits = await refusalOf(
      adjustBill(engine, { billId: input.billId, adjustedAmount: '1.005', reason: 'x' }),
    );
    expect(digits).toMatchObject({ code: 'invalid_input' });
    expect(digits.details.fields?.[0]?.path).toBe('adjustedAmount');
    const noReason = await refusalOf(
      adjustBill(engine, { billId: input.billId, adjustedAmount: '5', reason: '' }),
    );
    expect(noReason.details.fields?.[0]?.path).toBe('reason');
    expect(await fundsMovementsOf(engine.db, accountId)).toEqual(before);
  });
});
