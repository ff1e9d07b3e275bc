/**
 * Issue 7 on Temporal's time-skipping server (days pass at once): a settled bill
 * stays open for rollback and adjustment until its adjustment window passes with
 * no change (each change restarts it); a bill whose payment failed is never
 * closed by time — it waits for a retry or a cancellation however long it takes.
 */
import { adjustBill, cancelBillPayment, getBillState, settleBill } from '../../../client/bills';
import { billWorkflowId } from '../../../workflows/ids';
import type { payAsYouGoBill } from '../../../workflows/bill/workflow';
import { createTestDatabase, createTimeSkippingEngine } from '../../support/integration';
import {
  accountRow,
  billAccount,
  billRow,
  DEV_TEST_CARDS,
  expectLedgerConsistent,
  uid,
} from './support';

jest.setTimeout(90_000);

test('the adjustment window restarts with each change, then the bill completes', async () => {
  const database = await createTestDatabase();
  const engine = await createTimeSkippingEngine(database.db);
  try {
    const worker = await engine.createWorker();
    const ctx = { client: engine.env.client, taskQueue: engine.taskQueue };
    const accountId = await billAccount(database.db, { funds: '100.00' });
    const billId = uid('bill');
    await worker.runUntil(async () => {
      await settleBill(ctx, {
        billId,
        accountId,
        commodityCode: 'ecs',
        amount: '40.00',
        currency: 'USD',
        policy: { adjustmentWindow: '30 days' },
      });
      await engine.env.sleep('20 days');
      await adjustBill(ctx, { billId, adjustedAmount: '30.00', reason: 'credit' });
      await engine.env.sleep('20 days'); // day 40: past the first window, inside the second
      expect(await getBillState(ctx, billId)).toMatchObject({ stage: 'settled', amount: '30.00' });

      const handle = ctx.client.workflow.getHandle<typeof payAsYouGoBill>(billWorkflowId(billId));
      expect(await handle.result()).toMatchObject({ stage: 'settled', amount: '30.00' });
      await expect(
        adjustBill(ctx, { billId, adjustedAmount: '10.00', reason: 'too late' }),
      ).rejects.toThrow();
    });
    expect(await accountRow(database.db, accountId)).toEqual({
      fundsBalance: '70.00',
      arrears: '0.00',
    });
    await expectLedgerConsistent(database.db);
  } finally {
    await engine.env.teardown();
    await database.drop();
  }
});

test('a failed payment waits past any window; cancelled months later it becomes arrears', async () => {
  const database = await createTestDatabase();
  const engine = await createTimeSkippingEngine(database.db);
  try {
    const worker = await engine.createWorker();
    const ctx = { client: engine.env.client, taskQueue: engine.taskQueue };
    const accountId = await billAccount(database.db, {
      automaticRecharge: true,
      cardNumber: DEV_TEST_CARDS.declined,
    });
    const billId = uid('bill');
    await worker.runUntil(async () => {
      await settleBill(ctx, {
        billId,
        accountId,
        commodityCode: 'ecs',
        amount: '15.00',
        currency: 'USD',
        policy: { adjustmentWindow: '1 day' },
      });
      await engine.env.sleep('200 days');
      expect(await getBillState(ctx, billId)).toMatchObject({
        stage: 'payment_failed',
        outstanding: '15.00',
      });
      await cancelBillPayment(ctx, { billId, reason: 'written to collections' });
      const handle = ctx.client.workflow.getHandle<typeof payAsYouGoBill>(billWorkflowId(billId));
      expect(await handle.result()).toMatchObject({ stage: 'arrears', arrearsAmount: '15.00' });
    });
    expect(await billRow(database.db, billId)).toMatchObject({
      status: 'arrears',
      arrearsAmount: '15.00',
    });
    await expectLedgerConsistent(database.db);
  } finally {
    await engine.env.teardown();
    await database.drop();
  }
});
