/**
 * Issue 7, billing retries for pay-as-you-go bills on the real Temporal dev server
 * and PostgreSQL: a declined recharge or a gateway that stays down leaves the bill
 * in a visible `payment_failed` stage (BillingStage search attribute, current
 * details, the client's list); a retry (optionally with a new card) settles it, a
 * cancellation turns what is owed into arrears. Ops can do both from the Temporal
 * CLI. Every test ends with the ledger-consistency check.
 */
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { issueApiKey } from '../../../api/keys';
import { buildApiServer } from '../../../api/server';
import { promisify } from 'node:util';
import type { Worker } from '@temporalio/worker';
import {
  adjustBill,
  BillRefusal,
  cancelBillPayment,
  getBillState,
  listBillsInPaymentFailed,
  retryBillPayment,
  rollbackBill,
  settleBill,
} from '../../../client/bills';
import { billWorkflowId } from '../../../workflows/ids';
import { TEST_ENV } from '../../setup/services';
import { createTestEngine, type TestEngine } from '../../support/integration';
import { recordHistory } from '../../support/replay';
import {
  accountRow,
  addCard,
  billAccount,
  billRow,
  card,
  cashCoupon,
  couponBalance,
  DEV_TEST_CARDS,
  expectLedgerConsistent,
  fundsMovementsOf,
  gateway,
  paymentsOf,
  uid,
} from './support';

jest.setTimeout(90_000);

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

const ctx = () => ({ ...engine, paymentGateway: gateway });

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

/** Visibility is eventually consistent: poll the list until `check` holds. */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 50 && !check(value); i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    value = await read();
  }
  return value;
}

const stuckIds = async (accountId: string): Promise<string[]> =>
  (await listBillsInPaymentFailed(engine, { accountId })).map((b) => b.billId);

async function currentDetails(billId: string): Promise<string> {
  const handle = engine.client.workflow.getHandle(billWorkflowId(billId));
  const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return metadata.currentDetails ?? '';
}

async function billingStage(billId: string): Promise<unknown> {
  const described = await engine.client.workflow.getHandle(billWorkflowId(billId)).describe();
  return described.typedSearchAttributes.get({ name: 'BillingStage', type: 'KEYWORD' });
}

describe('declined payment', () => {
  test('waits in payment_failed, listed for ops; a retry with a new card settles it', async () => {
    const accountId = await billAccount(engine.db, {
      funds: '5.00',
      automaticRecharge: true,
      cardNumber: DEV_TEST_CARDS.declined,
    });
    const coupon = await cashCoupon(engine.db, accountId, '10.00', 30);
    const input = bill(accountId, '45.00');
    const wf = billWorkflowId(input.billId);

    const failed = await settleBill(engine, input);

    // Coupons and funds paid what they could; the recharge of the rest was declined.
    expect(failed).toMatchObject({
      stage: 'payment_failed',
      couponDeduction: '10.00',
      fundsPaid: '5.00',
      charged: '0.00',
      outstanding: '30.00',
      paymentFailure: { reason: 'card_declined', attempt: 1, amount: '30.00' },
    });
    expect(await billRow(engine.db, input.billId)).toMatchObject({
      status: 'payment_failed',
      couponDeduction: '10.00',
      fundsPaid: '5.00',
      charged: '0.00',
    });
    expect(await billingStage(input.billId)).toBe('payment_failed');
    const details = await currentDetails(input.billId);
    expect(details).toContain('Payment failed');
    expect(details).toContain('card_declined');
    expect(details).toContain(`--workflow-id ${wf} --name retryPayment`);
    expect(
      await eventually(
        () => stuckIds(accountId),
        (ids) => ids.length === 1,
      ),
    ).toEqual([input.billId]);

    // A rollback-free adjustment must wait: the payment is pending.
    const pending = await refusalOf(
      adjustBill(engine, { billId: input.billId, adjustedAmount: '40.00', reason: 'x' }),
    );
    expect(pending.code).toBe('payment_pending');

    const settled = await retryBillPayment(ctx(), {
      billId: input.billId,
      paymentMethod: card(DEV_TEST_CARDS.success),
    });

    expect(settled).toMatchObject({
      stage: 'settled',
      fundsPaid: '35.00',
      charged: '30.00',
      outstanding: '0.00',
      paymentFailure: null,
    });
    expect(await paymentsOf(engine.db, accountId)).toEqual([
      expect.objectContaining({
        status: 'declined',
        amount: '30.00',
        idempotencyKey: `${wf}:charge:1`,
        failureReason: 'card_declined',
      }),
      expect.objectContaining({
        status: 'succeeded',
        amount: '30.00',
        idempotencyKey: `${wf}:charge:2`,
        billId: input.billId,
      }),
    ]);
    const funds = await fundsMovementsOf(engine.db, accountId);
    expect(funds.map((m) => [m.kind, m.amountDelta])).toEqual([
      ['top_up', '5.00'],
      ['bill_payment', '-5.00'],
      ['recharge', '30.00'],
      ['bill_payment', '-30.00'],
    ]);
    expect(await couponBalance(engine.db, coupon)).toEqual({ balance: '0.00', status: 'used' });
    // The new card is the account's default now.
    const method = await engine.db.paymentMethod.findFirstOrThrow({
      where: { accountId, isDefault: true },
    });
    expect(method.last4).toBe('4242');
    expect(await billRow(engine.db, input.billId)).toMatchObject({
      status: 'settled',
      fundsPaid: '35.00',
      charged: '30.00',
    });
    expect(await billingStage(input.billId)).toBe('settled');
    expect(
      await eventually(
        () => stuckIds(accountId),
        (ids) => ids.length === 0,
      ),
    ).toEqual([]);

    // Nothing to retry any more.
    const again = await refusalOf(retryBillPayment(ctx(), { billId: input.billId }));
    expect(again.code).toBe('not_awaiting_retry');
    await recordHistory(engine.client, wf, 'bill-payment-declined-then-retried');
  });

  test('a cancellation records what is owed as arrears', async () => {
    const accountId = await billAccount(engine.db, {
      automaticRecharge: true,
      cardNumber: DEV_TEST_CARDS.insufficientFunds,
    });
    const input = bill(accountId, '20.00');
    expect(await settleBill(engine, input)).toMatchObject({
      stage: 'payment_failed',
      paymentFailure: { reason: 'insufficient_funds' },
    });

    const state = await cancelBillPayment(engine, {
      billId: input.billId,
      reason: 'customer unreachable',
    });

    expect(state).toMatchObject({ stage: 'arrears', arrearsAmount: '20.00', outstanding: '0.00' });
    expect(await accountRow(engine.db, accountId)).toEqual({
      fundsBalance: '0.00',
      arrears: '20.00',
    });
    expect(await billRow(engine.db, input.billId)).toMatchObject({
      status: 'arrears',
      arrearsAmount: '20.00',
      charged: '0.00',
    });
    expect(await paymentsOf(engine.db, accountId)).toHaveLength(1);
    const refused = await refusalOf(
      cancelBillPayment(engine, { billId: input.billId, reason: 'again' }),
    );
    expect(refused.code).toBe('payment_not_failed');
    expect(await accountRow(engine.db, accountId)).toMatchObject({ arrears: '20.00' });

    // The arrear is part of the bill: a rollback takes it back off the account.
    const rolled = await rollbackBill(engine, { billId: input.billId, reason: 'disputed' });
    expect(rolled.rollback).toMatchObject({ arrearsWrittenOff: '20.00' });
    expect(await accountRow(engine.db, accountId)).toMatchObject({ arrears: '0.00' });
    await recordHistory(engine.client, billWorkflowId(input.billId), 'bill-payment-cancelled');
  });
});

describe('no payment method', () => {
  test('automatic recharge without a payment method fails visibly; a retry with a card settles', async () => {
    const accountId = await billAccount(engine.db, { automaticRecharge: true });
    const input = bill(accountId, '7.00');

    expect(await settleBill(engine, input)).toMatchObject({
      stage: 'payment_failed',
      paymentFailure: { reason: 'no_payment_method' },
    });
    expect(await paymentsOf(engine.db, accountId)).toEqual([]);

    const settled = await retryBillPayment(ctx(), {
      billId: input.billId,
      paymentMethod: card(DEV_TEST_CARDS.success),
    });
    expect(settled).toMatchObject({ stage: 'settled', charged: '7.00', fundsPaid: '7.00' });
    expect((await paymentsOf(engine.db, accountId)).map((p) => p.status)).toEqual(['succeeded']);
  });

  test('a card that cannot be tokenized is refused by the client, naming the field', async () => {
    const accountId = await billAccount(engine.db, { automaticRecharge: true });
    const input = bill(accountId, '7.00');
    await settleBill(engine, input);
    const refused = await refusalOf(
      retryBillPayment(ctx(), {
        billId: input.billId,
        paymentMethod: { ...card(DEV_TEST_CARDS.success), number: '4242424242424241' },
      }),
    );
    expect(refused.code).toBe('invalid_input');
    expect(refused.details.fields?.[0]?.path).toMatch(/^paymentMethod\./);
    expect(await getBillState(engine, input.billId)).toMatchObject({ stage: 'payment_failed' });
  });
});

describe('gateway down', () => {
  test('retried by policy with one key, then payment_failed; a retry resends the same key; a new card settles', async () => {
    const accountId = await billAccount(engine.db, {
      automaticRecharge: true,
      cardNumber: DEV_TEST_CARDS.gatewayError,
    });
    const input = bill(accountId, '12.00');
    const wf = billWorkflowId(input.billId);

    const failed = await settleBill(engine, input);

    expect(failed).toMatchObject({
      stage: 'payment_failed',
      paymentFailure: { reason: 'gateway_unavailable', attempt: 1 },
    });
    // The policy's attempts all used one key: one Payment row, still pending (outcome unknown).
    expect(await paymentsOf(engine.db, accountId)).toEqual([
      expect.objectContaining({ status: 'pending', idempotencyKey: `${wf}:charge:1` }),
    ]);

    // Same method, outcome unknown: the retry sends the SAME key again.
    const still = await retryBillPayment(ctx(), { billId: input.billId });
    expect(still).toMatchObject({
      stage: 'payment_failed',
      paymentFailure: { reason: 'gateway_unavailable', attempt: 1 },
    });
    expect(await paymentsOf(engine.db, accountId)).toHaveLength(1);

    const settled = await retryBillPayment(ctx(), {
      billId: input.billId,
      paymentMethod: card(DEV_TEST_CARDS.success),
    });
    expect(settled).toMatchObject({ stage: 'settled', charged: '12.00', fundsPaid: '12.00' });
    expect(await paymentsOf(engine.db, accountId)).toEqual([
      expect.objectContaining({ status: 'pending', idempotencyKey: `${wf}:charge:1` }),
      expect.objectContaining({ status: 'succeeded', idempotencyKey: `${wf}:charge:2` }),
    ]);
    expect(await accountRow(engine.db, accountId)).toEqual({
      fundsBalance: '0.00',
      arrears: '0.00',
    });
    await recordHistory(engine.client, wf, 'bill-gateway-down-then-new-card');
  });
});

describe('ops with the Temporal CLI', () => {
  test('list what is stuck by BillingStage and retry it with `workflow update execute`', async () => {
    const cli = process.env.TEMPORAL_CLI ?? 'temporal';
    const address = process.env[TEST_ENV.temporalAddress] ?? '';
    const accountId = await billAccount(engine.db, {
      automaticRecharge: true,
      cardNumber: DEV_TEST_CARDS.declined,
    });
    const input = bill(accountId, '8.00');
    await settleBill(engine, input);
    const wf = billWorkflowId(input.billId);

    const query = `BillingStage = "payment_failed" AND AccountId = "${accountId}"`;
    const listed = await eventually(
      async () =>
        (
          await promisify(execFile)(cli, [
            'workflow',
            'list',
            '--address',
            address,
            '--query',
            query,
            '--output',
            'json',
          ])
        ).stdout,
      (out) => out.includes(wf),
    );
    expect(listed).toContain(wf);

    // The customer fixed their card outside the bill (a new default method); ops retry.
    // Payloads are encrypted: the CLI reads the result through the codec server
    // (README "Encrypted payloads"), with an ops API key.
    await addCard(engine.db, accountId, DEV_TEST_CARDS.success);
    const api = await buildApiServer({
      db: engine.db,
      engine: { client: engine.client, taskQueue: engine.taskQueue },
      logger: false,
      codec: { keyring: engine.keyring, corsOrigins: [] },
    });
    try {
      await api.listen({ host: '127.0.0.1', port: 0 });
      const port = (api.server.address() as AddressInfo).port;
      const opsKey = (
        await issueApiKey(engine.db, { id: `ops-${accountId}`, service: 'ops', scopes: ['ops'] })
      ).key;
      await promisify(execFile)(cli, [
        'workflow',
        'update',
        'execute',
        '--address',
        address,
        '--codec-endpoint',
        `http://127.0.0.1:${port}/codec`,
        '--codec-auth',
        `Bearer ${opsKey}`,
        '--workflow-id',
        wf,
        '--name',
        'retryPayment',
        '--input',
        '{}',
      ]);
    } finally {
      await api.close();
    }

    expect(await getBillState(engine, input.billId)).toMatchObject({
      stage: 'settled',
      charged: '8.00',
    });
    expect((await paymentsOf(engine.db, accountId)).map((p) => p.status)).toEqual([
      'declined',
      'succeeded',
    ]);
  });
});
