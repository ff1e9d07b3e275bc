/**
 * Issue 8: orders over HTTP against a real worker and database: create (coupon
 * frozen), pay (a decline leaves payment_failed, listed for ops), billing retry
 * with a new card, cancel, unsubscribe, renew. Each route: rows asserted, bad
 * input naming the field with nothing written, the wrong scope refused, and a
 * replayed Idempotency-Key answered with the first answer.
 */
import { randomUUID } from 'node:crypto';
import { createApiHarness, type ApiHarness } from '../../support/api-harness';
import { uid } from '../../support/ledger-fixtures';
import {
  couponRow,
  createPayingAccount,
  DEV_TEST_CARDS,
  eventually,
  grantCouponNow,
  orderRow,
  paymentsOf,
} from '../order/support';

jest.setTimeout(90_000);

let api: ApiHarness;
beforeAll(async () => {
  api = await createApiHarness();
});
afterAll(async () => {
  await api?.close();
});

type Problem = { code: string; status: number; errors?: Array<{ field: string }> };
type State = { orderId: string; stage: string; payable: string; coupon: { state: string } | null };
const goodCard = {
  type: 'card',
  number: DEV_TEST_CARDS.success,
  expMonth: 10,
  expYear: 2034,
  cvc: '321',
  holderName: 'New Card',
};
const orderBody = (accountId: string, extra: Record<string, unknown> = {}) => ({
  orderId: uid('ord'),
  accountId,
  commodityCode: 'ecs',
  orderType: 'new_purchase',
  amount: '50.00',
  currency: 'USD',
  durationMonths: 1,
  ...extra,
});
const orderCount = (accountId: string) => api.engine.db.order.count({ where: { accountId } });

test('create freezes the coupon; a replayed Idempotency-Key returns the first answer', async () => {
  const { accountId } = await createPayingAccount(api.engine.db);
  const couponId = await grantCouponNow(api.engine.db, {
    ownerAccountId: accountId,
    faceValue: '10.00',
  });
  const body = orderBody(accountId, { couponId });
  const key = randomUUID();
  const first = await api.call<{ orderId: string; state: State }>('POST', '/v1/orders', {
    body,
    idempotencyKey: key,
  });
  expect(first.status).toBe(201);
  expect(first.body.state).toMatchObject({
    orderId: body.orderId,
    stage: 'awaiting_payment',
    payable: '40.00',
    coupon: { couponId, state: 'frozen', deduction: '10.00' },
  });
  expect(await orderRow(api.engine.db, body.orderId)).toMatchObject({
    status: 'pending_payment',
    couponId,
    payable: '40.00',
  });
  expect(await couponRow(api.engine.db, couponId)).toMatchObject({
    status: 'frozen',
    frozenForOrderId: body.orderId,
  });
  const replay = await api.call('POST', '/v1/orders', { body, idempotencyKey: key });
  expect(replay.status).toBe(201);
  expect(replay.headers.get('idempotent-replayed')).toBe('true');
  expect(replay.body).toEqual(first.body);
  expect(await orderCount(accountId)).toBe(1);

  const read = await api.call<State>('GET', `/v1/orders/${body.orderId}`, { key: api.keys.ops });
  expect(read.body).toMatchObject({ orderId: body.orderId, stage: 'awaiting_payment' });
  const missing = await api.call<Problem>('GET', '/v1/orders/ord-missing');
  expect(missing.status).toBe(404);
});

test('create: bad input names each field and writes nothing; wrong scope; ineligible coupon', async () => {
  const { accountId } = await createPayingAccount(api.engine.db);
  const bad = await api.call<Problem>('POST', '/v1/orders', {
    body: orderBody(accountId, { amount: 'ten', orderType: 'payg_bill', extra: 1 }),
    key: api.keys.billing,
  });
  expect(bad.status).toBe(400);
  expect(bad.body.errors?.map((e) => e.field).sort()).toEqual([
    'body.amount',
    'body.extra',
    'body.orderType',
  ]);
  // Checked by the client library (the order's own rules): still named as the body's field.
  const noTerm = await api.call<Problem>('POST', '/v1/orders', {
    body: orderBody(accountId, { autoRenew: true, durationMonths: undefined }),
  });
  expect([noTerm.status, noTerm.body.errors?.map((e) => e.field)]).toEqual([
    400,
    ['body.durationMonths'],
  ]);
  const jpy = await api.call<Problem>('POST', '/v1/orders', {
    body: orderBody(accountId, { currency: 'JPY', amount: '10.50' }),
  });
  expect([jpy.status, jpy.body.errors?.map((e) => e.field)]).toEqual([400, ['body.amount']]);
  const ops = await api.call<Problem>('POST', '/v1/orders', {
    body: orderBody(accountId),
    key: api.keys.ops,
  });
  expect([ops.status, ops.body.code]).toEqual([403, 'insufficient_scope']);
  const noKey = await api.call('POST', '/v1/orders', { body: orderBody(accountId), key: null });
  expect(noKey.status).toBe(401);
  // A coupon of another account: refused by the rules engine, nothing frozen.
  const other = await createPayingAccount(api.engine.db);
  const foreign = await grantCouponNow(api.engine.db, {
    ownerAccountId: other.accountId,
    faceValue: '5.00',
  });
  const refused = await api.call<Problem>('POST', '/v1/orders', {
    body: orderBody(accountId, { couponId: foreign }),
  });
  expect([refused.status, refused.body.code]).toEqual([422, 'coupon_not_eligible']);
  expect(await couponRow(api.engine.db, foreign)).toMatchObject({ status: 'available' });
  expect(await orderCount(accountId)).toBe(0);
});

test('pay declined -> payment_failed, listed for ops, retried by billing with a new card', async () => {
  const { accountId } = await createPayingAccount(api.engine.db, DEV_TEST_CARDS.declined);
  const body = orderBody(accountId);
  await api.call('POST', '/v1/orders', { body });
  const { orderId } = body;

  const badCard = await api.call<Problem>('POST', `/v1/orders/${orderId}/pay`, {
    body: { method: { ...goodCard, number: '4242424242424241' } },
  });
  expect([badCard.status, badCard.body.errors?.map((e) => e.field)]).toEqual([
    400,
    ['body.method.number'],
  ]);
  expect(await paymentsOf(api.engine.db, orderId)).toEqual([]);

  const payKey = randomUUID();
  const declined = await api.call<{ paid: boolean; stage: string; attempt: { reason: string } }>(
    'POST',
    `/v1/orders/${orderId}/pay`,
    { body: {}, idempotencyKey: payKey },
  );
  expect(declined.status).toBe(200);
  expect(declined.body).toMatchObject({
    paid: false,
    stage: 'payment_failed',
    attempt: { attempt: 1, reason: 'card_declined' },
  });
  const replay = await api.call('POST', `/v1/orders/${orderId}/pay`, {
    body: {},
    idempotencyKey: payKey,
  });
  expect(replay.body).toEqual(declined.body);
  expect(await paymentsOf(api.engine.db, orderId)).toHaveLength(1);

  const list = await eventually(
    () =>
      api.call<{ items: Array<{ orderId: string }> }>('GET', `/v1/orders?accountId=${accountId}`, {
        key: api.keys.ops,
      }),
    (a) => a.body.items.length > 0,
  );
  expect(list.body.items.map((i) => i.orderId)).toEqual([orderId]);
  const signupList = await api.call<Problem>('GET', '/v1/orders');
  expect(signupList.status).toBe(403);
  const badList = await api.call<Problem>('GET', '/v1/orders?stage=active', { key: api.keys.ops });
  expect(badList.body.errors?.map((e) => e.field)).toEqual(['query.stage']);

  const signupRetry = await api.call<Problem>('POST', `/v1/orders/${orderId}/retry-payment`, {
    body: {},
  });
  expect([signupRetry.status, signupRetry.body.code]).toEqual([403, 'insufficient_scope']);
  const retryKey = randomUUID();
  const paid = await api.call('POST', `/v1/orders/${orderId}/retry-payment`, {
    key: api.keys.billing,
    body: { method: goodCard },
    idempotencyKey: retryKey,
  });
  expect(paid.body).toMatchObject({
    paid: true,
    attempt: { attempt: 2, status: 'succeeded', method: 'visa •••• 4242' },
  });
  const retried = await api.call('POST', `/v1/orders/${orderId}/retry-payment`, {
    key: api.keys.billing,
    body: { method: goodCard },
    idempotencyKey: retryKey,
  });
  expect(retried.body).toEqual(paid.body);
  const payments = await paymentsOf(api.engine.db, orderId);
  expect(payments.map((p) => p.status)).toEqual(['declined', 'succeeded']);
  expect(
    JSON.stringify(await api.engine.db.payment.findMany({ where: { orderId } })),
  ).not.toContain(DEV_TEST_CARDS.success);

  // Retrying a paid order: a conflict with its reason, nothing charged.
  const again = await api.call<Problem>('POST', `/v1/orders/${orderId}/retry-payment`, {
    key: api.keys.ops,
    body: {},
  });
  expect([again.status, again.body.code]).toEqual([409, 'not_awaiting_retry']);
  expect(await paymentsOf(api.engine.db, orderId)).toHaveLength(2);
});

test('cancel releases the coupon; a paid order cannot be cancelled', async () => {
  const { accountId } = await createPayingAccount(api.engine.db);
  const couponId = await grantCouponNow(api.engine.db, {
    ownerAccountId: accountId,
    faceValue: '10.00',
  });
  const body = orderBody(accountId, { couponId });
  await api.call('POST', '/v1/orders', { body });
  const noReason = await api.call<Problem>('POST', `/v1/orders/${body.orderId}/cancel`, {
    body: { reason: ' ' },
  });
  expect([noReason.status, noReason.body.errors?.map((e) => e.field)]).toEqual([
    400,
    ['body.reason'],
  ]);
  const opsCancel = await api.call('POST', `/v1/orders/${body.orderId}/cancel`, {
    key: api.keys.ops,
    body: { reason: 'changed mind' },
  });
  expect(opsCancel.status).toBe(403);
  expect(await couponRow(api.engine.db, couponId)).toMatchObject({ status: 'frozen' });
  const key = randomUUID();
  const cancelled = await api.call<State>('POST', `/v1/orders/${body.orderId}/cancel`, {
    body: { reason: 'changed mind' },
    idempotencyKey: key,
  });
  expect(cancelled.status).toBe(200);
  expect(cancelled.body).toMatchObject({ stage: 'cancelled', coupon: { state: 'released' } });
  const replay = await api.call('POST', `/v1/orders/${body.orderId}/cancel`, {
    body: { reason: 'changed mind' },
    idempotencyKey: key,
  });
  expect(replay.body).toEqual(cancelled.body);
  expect(await couponRow(api.engine.db, couponId)).toMatchObject({
    status: 'available',
    balance: '10.00',
  });
  expect(await orderRow(api.engine.db, body.orderId)).toMatchObject({ status: 'cancelled' });
  // The cancelled order's workflow has ended: paying it is a conflict, nothing charged.
  const late = await api.call<Problem>('POST', `/v1/orders/${body.orderId}/pay`, { body: {} });
  expect([late.status, late.body.code]).toEqual([409, 'order_closed']);
  expect(await paymentsOf(api.engine.db, body.orderId)).toEqual([]);
  const never = await api.call<Problem>('POST', '/v1/orders/ord-never/pay', { body: {} });
  expect([never.status, never.body.code]).toEqual([404, 'not_found']);

  const paidBody = orderBody(accountId);
  await api.call('POST', '/v1/orders', { body: paidBody });
  await api.call('POST', `/v1/orders/${paidBody.orderId}/pay`, { body: {} });
  const refused = await api.call<Problem>('POST', `/v1/orders/${paidBody.orderId}/cancel`, {
    body: { reason: 'too late' },
  });
  expect([refused.status, refused.body.code]).toEqual([409, 'order_already_paid']);
});

test('unsubscribe an active order; renew it (manual) as a new renewal order', async () => {
  const { accountId } = await createPayingAccount(api.engine.db);
  const body = orderBody(accountId, { amount: '100.00' });
  await api.call('POST', '/v1/orders', { body });
  await api.call('POST', `/v1/orders/${body.orderId}/pay`, { body: {} });
  await eventually(
    () => api.call<State>('GET', `/v1/orders/${body.orderId}`),
    (a) => a.body.stage === 'active',
  );

  const couponId = await grantCouponNow(api.engine.db, {
    ownerAccountId: accountId,
    faceValue: '5.00',
  });
  const renewalOrderId = uid('ren');
  const badRenew = await api.call<Problem>('POST', `/v1/orders/${body.orderId}/renew`, {
    body: { renewalOrderId, auto: 'yes' },
  });
  expect([badRenew.status, badRenew.body.errors?.map((e) => e.field)]).toEqual([
    400,
    ['body.auto'],
  ]);
  const opsRenew = await api.call('POST', `/v1/orders/${body.orderId}/renew`, {
    key: api.keys.ops,
    body: { renewalOrderId, couponId },
  });
  expect(opsRenew.status).toBe(403);
  expect(await api.engine.db.order.count({ where: { id: renewalOrderId } })).toBe(0);
  const key = randomUUID();
  const renewed = await api.call<{ orderId: string; state: State }>(
    'POST',
    `/v1/orders/${body.orderId}/renew`,
    { body: { renewalOrderId, couponId }, idempotencyKey: key },
  );
  expect(renewed.status).toBe(201);
  expect(renewed.body.state).toMatchObject({
    orderId: renewalOrderId,
    orderType: 'renewal',
    renewal: { renewsOrderId: body.orderId, auto: false },
    payable: '95.00',
    coupon: { couponId, state: 'frozen' },
  });
  const replay = await api.call('POST', `/v1/orders/${body.orderId}/renew`, {
    body: { renewalOrderId, couponId },
    idempotencyKey: key,
  });
  expect(replay.body).toEqual(renewed.body);
  expect(await orderRow(api.engine.db, renewalOrderId)).toMatchObject({
    status: 'pending_payment',
    couponId,
  });

  const opsUnsub = await api.call('POST', `/v1/orders/${body.orderId}/unsubscribe`, {
    key: api.keys.ops,
    body: {},
  });
  expect(opsUnsub.status).toBe(403);
  const badUnsub = await api.call<Problem>('POST', `/v1/orders/${body.orderId}/unsubscribe`, {
    body: { reason: 7 },
  });
  expect(badUnsub.body.errors?.map((e) => e.field)).toEqual(['body.reason']);
  const unsubscribed = await api.call<State & { status: string }>(
    'POST',
    `/v1/orders/${body.orderId}/unsubscribe`,
    { body: { reason: 'no longer needed' } },
  );
  expect(unsubscribed.status).toBe(200);
  expect(unsubscribed.body).toMatchObject({ stage: 'unsubscribed', status: 'unsubscribed' });
  expect((await orderRow(api.engine.db, body.orderId)).status).toBe('unsubscribed');
});
