/**
 * Issue 8: pay-as-you-go bills over HTTP against a real worker and database:
 * settle (coupons, funds, recharge), a declined recharge waiting in
 * payment_failed (listed for ops, retried with a new card, or cancelled into
 * arrears), adjustment and rollback. Each route: rows asserted, bad input naming
 * the field with nothing written, the wrong scope refused, and a replayed
 * Idempotency-Key answered with the first answer. The ledger check after each test.
 */
import { randomUUID } from 'node:crypto';
import { createApiHarness, type ApiHarness } from '../../support/api-harness';
import {
  accountRow,
  billAccount,
  billRow,
  card,
  cashCoupon,
  couponBalance,
  DEV_TEST_CARDS,
  expectLedgerConsistent,
  paymentsOf,
  uid,
} from '../bill/support';

jest.setTimeout(90_000);

let api: ApiHarness;
beforeAll(async () => {
  api = await createApiHarness();
});
afterAll(async () => {
  await api?.close();
});
afterEach(async () => {
  await expectLedgerConsistent(api.engine.db);
});

type Problem = { code: string; status: number; errors?: Array<{ field: string }> };
type Bill = Record<string, unknown> & { stage: string };
const billBody = (accountId: string, amount: string) => ({
  billId: uid('bill'),
  accountId,
  commodityCode: 'ecs',
  amount,
  currency: 'USD',
});
const billing = () => ({ key: api.keys.billing });
const billCount = (accountId: string) => api.engine.db.bill.count({ where: { accountId } });

/** Visibility is eventually consistent: poll until `done` holds. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 75 && !done(value); i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    value = await read();
  }
  return value;
}

test('settle: coupon then funds; a replay (or a new request) settles once', async () => {
  const accountId = await billAccount(api.engine.db, { funds: '30.00' });
  const coupon = await cashCoupon(api.engine.db, accountId, '10.00', 30);
  const body = billBody(accountId, '25.00');
  const key = randomUUID();
  const first = await api.call<Bill>('POST', '/v1/bills', {
    ...billing(),
    body,
    idempotencyKey: key,
  });
  expect(first.status).toBe(200);
  expect(first.body).toMatchObject({
    billId: body.billId,
    stage: 'settled',
    couponDeduction: '10.00',
    fundsPaid: '15.00',
    coupons: [{ couponId: coupon, drawn: '10.00', returned: '0.00' }],
  });
  const replay = await api.call('POST', '/v1/bills', { ...billing(), body, idempotencyKey: key });
  expect(replay.headers.get('idempotent-replayed')).toBe('true');
  expect(replay.body).toEqual(first.body);
  const again = await api.call<Bill>('POST', '/v1/bills', { ...billing(), body });
  expect(again.body).toMatchObject({ stage: 'settled', fundsPaid: '15.00' });
  expect(await billRow(api.engine.db, body.billId)).toMatchObject({
    status: 'settled',
    couponDeduction: '10.00',
    fundsPaid: '15.00',
  });
  expect(await accountRow(api.engine.db, accountId)).toEqual({
    fundsBalance: '15.00',
    arrears: '0.00',
  });
  expect(await couponBalance(api.engine.db, coupon)).toEqual({ balance: '0.00', status: 'used' });

  const read = await api.call<Bill>('GET', `/v1/bills/${body.billId}`, { key: api.keys.ops });
  expect(read.body).toEqual(first.body);
  expect((await api.call('GET', `/v1/bills/${body.billId}`)).status).toBe(403); // signup
  expect((await api.call('GET', '/v1/bills/bill-missing', billing())).status).toBe(404);
});

test('settle: bad input names each field and starts nothing; wrong scope; unknown account', async () => {
  const accountId = await billAccount(api.engine.db, { funds: '30.00' });
  const bad = await api.call<Problem>('POST', '/v1/bills', {
    ...billing(),
    body: { ...billBody(accountId, '-1'), currency: 'XXX', overdue: 'no', extra: true },
  });
  expect(bad.status).toBe(400);
  expect(bad.body.errors?.map((e) => e.field).sort()).toEqual([
    'body.amount',
    'body.currency',
    'body.extra',
    'body.overdue',
  ]);
  const jpy = await api.call<Problem>('POST', '/v1/bills', {
    ...billing(),
    body: { ...billBody(accountId, '10.5'), currency: 'JPY' },
  });
  expect([jpy.status, jpy.body.errors?.map((e) => e.field)]).toEqual([400, ['body.amount']]);
  const signup = await api.call<Problem>('POST', '/v1/bills', {
    body: billBody(accountId, '5.00'),
  });
  expect([signup.status, signup.body.code]).toEqual([403, 'insufficient_scope']);
  const noKey = await api.call('POST', '/v1/bills', { key: null, body: billBody(accountId, '5') });
  expect(noKey.status).toBe(401);
  expect(await billCount(accountId)).toBe(0);
  expect(await accountRow(api.engine.db, accountId)).toEqual({
    fundsBalance: '30.00',
    arrears: '0.00',
  });
  const unknown = await api.call<Problem>('POST', '/v1/bills', {
    ...billing(),
    body: billBody('acct-nobody', '5.00'),
  });
  expect([unknown.status, unknown.body.code]).toEqual([404, 'account_not_found']);
});

test('a declined recharge waits in payment_failed, listed for ops; retried with a new card', async () => {
  const accountId = await billAccount(api.engine.db, {
    funds: '5.00',
    automaticRecharge: true,
    cardNumber: DEV_TEST_CARDS.declined,
  });
  const body = billBody(accountId, '35.00');
  const failed = await api.call<Bill>('POST', '/v1/bills', { ...billing(), body });
  expect(failed.body).toMatchObject({
    stage: 'payment_failed',
    fundsPaid: '5.00',
    outstanding: '30.00',
    paymentFailure: { reason: 'card_declined', attempt: 1 },
  });
  const { billId } = body;
  const list = await eventually(
    () =>
      api.call<{ items: Array<{ billId: string }> }>('GET', `/v1/bills?accountId=${accountId}`, {
        key: api.keys.ops,
      }),
    (a) => a.body.items.length > 0,
  );
  expect(list.body.items.map((i) => i.billId)).toEqual([billId]);
  const badList = await api.call<Problem>('GET', '/v1/bills?limit=0', { key: api.keys.ops });
  expect(badList.body.errors?.map((e) => e.field)).toEqual(['query.limit']);

  // An adjustment waits for the payment.
  const pending = await api.call<Problem>('POST', `/v1/bills/${billId}/adjust`, {
    ...billing(),
    body: { adjustedAmount: '30.00', reason: 'usage corrected' },
  });
  expect([pending.status, pending.body.code]).toEqual([409, 'payment_pending']);

  const signupRetry = await api.call('POST', `/v1/bills/${billId}/retry-payment`, { body: {} });
  expect(signupRetry.status).toBe(403);
  const badCard = await api.call<Problem>('POST', `/v1/bills/${billId}/retry-payment`, {
    key: api.keys.ops,
    body: { paymentMethod: { ...card(DEV_TEST_CARDS.success), cvc: '1' } },
  });
  expect([badCard.status, badCard.body.errors?.map((e) => e.field)]).toEqual([
    400,
    ['body.paymentMethod.cvc'],
  ]);
  expect(await paymentsOf(api.engine.db, accountId)).toHaveLength(1);

  const key = randomUUID();
  const retryBody = { paymentMethod: card(DEV_TEST_CARDS.success) };
  const settled = await api.call<Bill>('POST', `/v1/bills/${billId}/retry-payment`, {
    key: api.keys.ops,
    body: retryBody,
    idempotencyKey: key,
  });
  expect(settled.body).toMatchObject({
    stage: 'settled',
    charged: '30.00',
    outstanding: '0.00',
    paymentFailure: null,
  });
  const replay = await api.call('POST', `/v1/bills/${billId}/retry-payment`, {
    key: api.keys.ops,
    body: retryBody,
    idempotencyKey: key,
  });
  expect(replay.body).toEqual(settled.body);
  expect((await paymentsOf(api.engine.db, accountId)).map((p) => p.status)).toEqual([
    'declined',
    'succeeded',
  ]);
  expect(await billRow(api.engine.db, billId)).toMatchObject({
    status: 'settled',
    charged: '30.00',
  });
  const notFailed = await api.call<Problem>('POST', `/v1/bills/${billId}/retry-payment`, {
    ...billing(),
    body: {},
  });
  expect([notFailed.status, notFailed.body.code]).toEqual([409, 'not_awaiting_retry']);
});

test('cancel a failed payment: what is owed becomes arrears', async () => {
  const accountId = await billAccount(api.engine.db, {
    automaticRecharge: true,
    cardNumber: DEV_TEST_CARDS.declined,
  });
  const body = billBody(accountId, '12.00');
  await api.call('POST', '/v1/bills', { ...billing(), body });
  const noReason = await api.call<Problem>('POST', `/v1/bills/${body.billId}/cancel-payment`, {
    ...billing(),
    body: {},
  });
  expect(noReason.body.errors?.map((e) => e.field)).toEqual(['body.reason']);
  const signup = await api.call('POST', `/v1/bills/${body.billId}/cancel-payment`, {
    body: { reason: 'card lost' },
  });
  expect(signup.status).toBe(403);
  expect(await accountRow(api.engine.db, accountId)).toEqual({
    fundsBalance: '0.00',
    arrears: '0.00',
  });
  const key = randomUUID();
  const cancelled = await api.call<Bill>('POST', `/v1/bills/${body.billId}/cancel-payment`, {
    ...billing(),
    body: { reason: 'card lost' },
    idempotencyKey: key,
  });
  expect(cancelled.body).toMatchObject({ stage: 'arrears', arrearsAmount: '12.00' });
  const replay = await api.call('POST', `/v1/bills/${body.billId}/cancel-payment`, {
    ...billing(),
    body: { reason: 'card lost' },
    idempotencyKey: key,
  });
  expect(replay.body).toEqual(cancelled.body);
  expect(await accountRow(api.engine.db, accountId)).toEqual({
    fundsBalance: '0.00',
    arrears: '12.00',
  });
  expect(await billRow(api.engine.db, body.billId)).toMatchObject({
    status: 'arrears',
    arrearsAmount: '12.00',
  });
});

test('adjust down returns by the rule; rollback returns the rest, once', async () => {
  const accountId = await billAccount(api.engine.db, { funds: '50.00' });
  const body = billBody(accountId, '40.00');
  await api.call('POST', '/v1/bills', { ...billing(), body });
  const { billId } = body;

  const bad = await api.call<Problem>('POST', `/v1/bills/${billId}/adjust`, {
    ...billing(),
    body: { adjustedAmount: 'lots', reason: '' },
  });
  expect(bad.body.errors?.map((e) => e.field).sort()).toEqual([
    'body.adjustedAmount',
    'body.reason',
  ]);
  const ops = await api.call('POST', `/v1/bills/${billId}/adjust`, {
    key: api.keys.ops,
    body: { adjustedAmount: '30.00', reason: 'usage corrected' },
  });
  expect(ops.status).toBe(403);
  expect(await billRow(api.engine.db, billId)).toMatchObject({ amount: '40.00' });

  const key = randomUUID();
  const adjusted = await api.call<Bill>('POST', `/v1/bills/${billId}/adjust`, {
    ...billing(),
    body: { adjustedAmount: '30.00', reason: 'usage corrected' },
    idempotencyKey: key,
  });
  expect(adjusted.body).toMatchObject({
    stage: 'settled',
    amount: '30.00',
    fundsPaid: '30.00',
    adjustments: [{ from: '40.00', to: '30.00', fundsReturned: '10.00' }],
  });
  const replay = await api.call('POST', `/v1/bills/${billId}/adjust`, {
    ...billing(),
    body: { adjustedAmount: '30.00', reason: 'usage corrected' },
    idempotencyKey: key,
  });
  expect(replay.body).toEqual(adjusted.body);
  expect(await accountRow(api.engine.db, accountId)).toEqual({
    fundsBalance: '20.00',
    arrears: '0.00',
  });

  const opsRollback = await api.call('POST', `/v1/bills/${billId}/rollback`, {
    key: api.keys.ops,
    body: { reason: 'duplicate bill' },
  });
  expect(opsRollback.status).toBe(403);
  const rolledBack = await api.call<Bill>('POST', `/v1/bills/${billId}/rollback`, {
    ...billing(),
    body: { reason: 'duplicate bill' },
  });
  expect(rolledBack.body).toMatchObject({
    stage: 'rolled_back',
    fundsPaid: '0.00',
    rollback: { reason: 'duplicate bill', fundsReturned: '30.00' },
  });
  expect(await billRow(api.engine.db, billId)).toMatchObject({ status: 'rolled_back' });
  expect(await accountRow(api.engine.db, accountId)).toEqual({
    fundsBalance: '50.00',
    arrears: '0.00',
  });
  const twice = await api.call<Problem>('POST', `/v1/bills/${billId}/rollback`, {
    ...billing(),
    body: { reason: 'again' },
  });
  expect([twice.status, twice.body.code]).toEqual([409, 'bill_closed']);
  expect(await accountRow(api.engine.db, accountId)).toMatchObject({ fundsBalance: '50.00' });
});
