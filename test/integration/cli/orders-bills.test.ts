/**
 * Issue 8: the CLI's ops and billing commands for orders and bills, run as a
 * process against the API server and a worker: list what waits in
 * payment_failed, show it, retry it (after the customer fixed their card), give
 * up on a bill's payment; a refusal prints its reason and exits 1.
 */
import { issueApiKey } from '../../../api/keys';
import { createApiHarness, type ApiHarness } from '../../support/api-harness';
import { runCliProcess } from '../../support/cli-process';
import { addCard, billAccount, billRow, paymentsOf as accountPayments } from '../bill/support';
import { createPayingAccount, DEV_TEST_CARDS, eventually, paymentsOf } from '../order/support';

jest.setTimeout(120_000);

let api: ApiHarness;
let staffKey: string;
beforeAll(async () => {
  api = await createApiHarness();
  staffKey = (
    await issueApiKey(api.engine.db, {
      id: 'test-staff',
      service: 'staff',
      scopes: ['ops', 'billing'],
    })
  ).key;
});
afterAll(async () => {
  await api?.close();
});

const cli = (args: string[]) =>
  runCliProcess(args, { BILLING_API_URL: api.url, BILLING_API_KEY: staffKey });

test('orders failed / show / retry: a declined order paid after the card is fixed', async () => {
  const { accountId } = await createPayingAccount(api.engine.db, DEV_TEST_CARDS.declined);
  const orderId = `ord-cli-${accountId.slice(5)}`;
  await api.call('POST', '/v1/orders', {
    body: {
      orderId,
      accountId,
      commodityCode: 'ecs',
      orderType: 'new_purchase',
      amount: '30.00',
      currency: 'USD',
      durationMonths: 1,
    },
  });
  await api.call('POST', `/v1/orders/${orderId}/pay`, { body: {} });
  await eventually(
    () => api.call<{ items: unknown[] }>('GET', `/v1/orders?accountId=${accountId}`, billingKey()),
    (a) => a.body.items.length > 0,
  );

  const failed = await cli(['orders', 'failed', '--account', accountId]);
  expect(failed.code).toBe(0);
  expect(failed.stdout).toContain(orderId);
  expect(failed.stdout).toMatch(/orderId\s*│\s*accountId/);
  const shown = await cli(['orders', 'show', orderId]);
  expect(shown.stdout).toMatch(/stage\s*│\s*payment_failed/);
  expect(shown.stdout).toMatch(/lastAttempt\s*│\s*#1 failed \(card_declined\)/);
  const json = await cli(['--json', 'orders', 'show', orderId]);
  expect(JSON.parse(json.stdout)).toMatchObject({
    orderId,
    stage: 'payment_failed',
    payable: '30.00',
  });

  await addCard(api.engine.db, accountId, DEV_TEST_CARDS.success);
  const retried = await cli([
    '--idempotency-key',
    `cli-retry-${orderId}`,
    'orders',
    'retry',
    orderId,
  ]);
  expect(retried.code).toBe(0);
  expect(retried.stdout).toMatch(/paid\s*│\s*true/);
  expect(retried.stdout).toMatch(/attempt\s*│\s*#2 succeeded/);
  // The same key again: the first answer, no second charge.
  const again = await cli([
    '--json',
    '--idempotency-key',
    `cli-retry-${orderId}`,
    'orders',
    'retry',
    orderId,
  ]);
  expect(JSON.parse(again.stdout)).toMatchObject({ paid: true, attempt: { attempt: 2 } });
  expect((await paymentsOf(api.engine.db, orderId)).map((p) => p.status)).toEqual([
    'declined',
    'succeeded',
  ]);

  const refused = await cli(['orders', 'retry', orderId]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('error: not_awaiting_retry');
});

test('bills failed / show / retry / cancel-payment', async () => {
  const accountId = await billAccount(api.engine.db, {
    automaticRecharge: true,
    cardNumber: DEV_TEST_CARDS.declined,
  });
  const billId = `bill-cli-${accountId.slice(5)}`;
  await api.call('POST', '/v1/bills', {
    ...billingKey(),
    body: { billId, accountId, commodityCode: 'ecs', amount: '9.00', currency: 'USD' },
  });
  await eventually(
    () => api.call<{ items: unknown[] }>('GET', `/v1/bills?accountId=${accountId}`, billingKey()),
    (a) => a.body.items.length > 0,
  );

  const failed = await cli(['--json', 'bills', 'failed', '--account', accountId]);
  expect(JSON.parse(failed.stdout)).toMatchObject({
    items: [{ billId, accountId }],
    nextCursor: null,
  });
  const shown = await cli(['bills', 'show', billId]);
  expect(shown.stdout).toMatch(/paymentFailure\s*│\s*card_declined \(attempt 1, 9\.00\)/);

  const retried = await cli(['bills', 'retry', billId]); // still the declining card
  expect(retried.code).toBe(0);
  expect(retried.stdout).toMatch(/paymentFailure\s*│\s*card_declined \(attempt 2/);

  const noReason = await cli(['bills', 'cancel-payment', billId]);
  expect(noReason.code).not.toBe(0);
  expect(noReason.stderr).toContain("required option '--reason <text>'");
  const cancelled = await cli(['bills', 'cancel-payment', billId, '--reason', 'card lost']);
  expect(cancelled.code).toBe(0);
  expect(cancelled.stdout).toMatch(/stage\s*│\s*arrears/);
  expect(await billRow(api.engine.db, billId)).toMatchObject({
    status: 'arrears',
    arrearsAmount: '9.00',
  });
  expect((await accountPayments(api.engine.db, accountId)).map((p) => p.status)).toEqual([
    'declined',
    'declined',
  ]);
});

function billingKey() {
  return { key: api.keys.billing };
}
