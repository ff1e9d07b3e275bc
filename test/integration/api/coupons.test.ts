/**
 * Issue 8: coupons over HTTP on a real database and worker (seed 002 §Coupon
 * list, §Sharing): the list with its filters (status, validity window, coupon
 * number) and cursor paging, "view details" with every movement, the coupon
 * deduction amount of an order, and sharing a coupon / cancelling the share.
 * Bad input names the field, the wrong scope is refused, a replayed
 * Idempotency-Key returns the first answer; organizations and membership that
 * organization shares follow; the typed client's refusals. The ledger check
 * after each test.
 */
import { randomUUID } from 'node:crypto';
import { checkLedgerConsistency } from '../../../activities/ledger/consistency';
import {
  CouponRefusal,
  getCouponDeduction,
  getCouponHistory,
  listCoupons,
  shareCoupon,
} from '../../../client/coupons';
import { createApiHarness, type ApiHarness } from '../../support/api-harness';
import { createAccount, grantCoupon, uid } from '../../support/ledger-fixtures';
import { createPayingAccount, daysFromNow } from '../order/support';

jest.setTimeout(90_000);

let api: ApiHarness;
beforeAll(async () => {
  api = await createApiHarness();
});
afterAll(async () => {
  await api?.close();
});
afterEach(async () => {
  expect(await checkLedgerConsistency(api.engine.db)).toEqual({
    ok: true,
    coupons: [],
    accounts: [],
  });
});

type Problem = { code: string; status: number; errors?: Array<{ field: string }> };
type Coupon = { couponId: string; status: string; shared: boolean; couponNumber: string };
type Page = { items: Coupon[]; nextCursor: string | null };
const ids = (page: Page) => page.items.map((c) => c.couponId);
const numberOf = async (couponId: string) =>
  (await api.engine.db.coupon.findUniqueOrThrow({ where: { id: couponId } })).couponNumber;

async function threeCoupons(ownerAccountId: string) {
  const soon = await grantCoupon(api.engine.db, {
    ownerAccountId,
    faceValue: '10.00',
    effectiveAt: daysFromNow(-1),
    expiresAt: daysFromNow(10),
  });
  const later = await grantCoupon(api.engine.db, {
    ownerAccountId,
    faceValue: '20.00',
    effectiveAt: daysFromNow(-1),
    expiresAt: daysFromNow(20),
  });
  const expired = await grantCoupon(api.engine.db, {
    ownerAccountId,
    faceValue: '5.00',
    effectiveAt: daysFromNow(-30),
    expiresAt: daysFromNow(-1),
  });
  return { soon, later, expired };
}

test('the list: filters by status, validity window and coupon number; paged with a cursor', async () => {
  const accountId = await createAccount(api.engine.db);
  const { soon, later, expired } = await threeCoupons(accountId);
  const list = (query: string, key = api.keys.signup) =>
    api.call<Page>('GET', `/v1/accounts/${accountId}/coupons${query}`, { key });

  const all = await list('');
  expect(all.status).toBe(200);
  expect(ids(all.body)).toEqual([expired, soon, later]); // soonest expiry first
  expect(all.body.items.map((c) => c.status)).toEqual(['expired', 'available', 'available']);
  expect(ids((await list('?status=available', api.keys.ops)).body)).toEqual([soon, later]);
  expect(ids((await list('?status=expired', api.keys.billing)).body)).toEqual([expired]);
  expect(ids((await list(`?couponNumber=${await numberOf(later)}`)).body)).toEqual([later]);
  expect(ids((await list(`?validFrom=${daysFromNow(15)}`)).body)).toEqual([later]);
  expect(
    ids((await list(`?validFrom=${daysFromNow(-5)}&validTo=${daysFromNow(-2)}`)).body),
  ).toEqual([expired]);

  const first = await list('?limit=2');
  expect(ids(first.body)).toEqual([expired, soon]);
  expect(first.body.nextCursor).toEqual(expect.any(String));
  const second = await list(`?limit=2&cursor=${first.body.nextCursor}`);
  expect([ids(second.body), second.body.nextCursor]).toEqual([[later], null]);

  const bad = await api.call<Problem>(
    'GET',
    `/v1/accounts/${accountId}/coupons?status=spent&validFrom=yesterday&limit=500`,
  );
  expect(bad.status).toBe(400);
  expect(bad.body.errors?.map((e) => e.field).sort()).toEqual([
    'query.limit',
    'query.status',
    'query.validFrom',
  ]);
  const window = await list(`?validFrom=${daysFromNow(2)}&validTo=${daysFromNow(1)}`);
  expect((window.body as unknown as Problem).errors?.map((e) => e.field)).toEqual([
    'query.validTo',
  ]);
  const cursor = await list('?cursor=bm90LWEtY3Vyc29y');
  expect([cursor.status, (cursor.body as unknown as Problem).errors?.map((e) => e.field)]).toEqual([
    400,
    ['query.cursor'],
  ]);
  expect((await api.call('GET', `/v1/accounts/acct-nobody/coupons`)).status).toBe(404);
  expect((await api.call('GET', `/v1/accounts/${accountId}/coupons`, { key: null })).status).toBe(
    401,
  );
});

test('details: every movement of a coupon an order froze and paid; the order deduction amount', async () => {
  const { accountId } = await createPayingAccount(api.engine.db);
  const couponId = await grantCoupon(api.engine.db, {
    ownerAccountId: accountId,
    faceValue: '10.00',
    effectiveAt: daysFromNow(-1),
    expiresAt: daysFromNow(30),
  });
  const orderId = uid('ord');
  await api.call('POST', '/v1/orders', {
    body: {
      orderId,
      accountId,
      commodityCode: 'ecs',
      orderType: 'new_purchase',
      amount: '50.00',
      currency: 'USD',
      durationMonths: 1,
      couponId,
    },
  });
  await api.call('POST', `/v1/orders/${orderId}/pay`, { body: {} });

  const details = await api.call<{ coupon: Coupon; movements: Array<Record<string, unknown>> }>(
    'GET',
    `/v1/accounts/${accountId}/coupons/${couponId}`,
    { key: api.keys.ops },
  );
  expect(details.status).toBe(200);
  expect(details.body.coupon).toMatchObject({ couponId, status: 'used', balance: '0.00' });
  expect(details.body.movements.map((m) => [m.kind, m.balanceDelta, m.orderId])).toEqual([
    ['redeem', '10.00', null],
    ['freeze', '0.00', orderId],
    ['deduct', '-10.00', orderId],
  ]);
  const deduction = await api.call('GET', `/v1/orders/${orderId}/coupon-deduction`, {
    key: api.keys.billing,
  });
  expect(deduction.body).toEqual({
    orderId,
    billId: null,
    currency: 'USD',
    deducted: '10.00',
    returned: '0.00',
    net: '10.00',
    coupons: [{ couponId, deducted: '10.00', returned: '0.00' }],
  });

  // Another account's coupon is not revealed.
  const stranger = await createAccount(api.engine.db);
  const hidden = await api.call<Problem>('GET', `/v1/accounts/${stranger}/coupons/${couponId}`);
  expect([hidden.status, hidden.body.code]).toEqual([404, 'coupon_not_found']);
  const badId = await api.call<Problem>('GET', `/v1/accounts/${accountId}/coupons/bad id`);
  expect(badId.body.errors?.map((e) => e.field)).toEqual(['params.couponId']);
});

test('share with accounts, replayed once; the friend sees it shared; cancelling takes it back', async () => {
  const owner = await createAccount(api.engine.db);
  const friend = await createAccount(api.engine.db);
  const { soon } = await threeCoupons(owner);
  const path = `/v1/accounts/${owner}/coupons/${soon}/shares`;

  const bad = await api.call<Problem>('POST', path, {
    body: { scope: 'accounts', accountIds: [] },
  });
  expect([bad.status, bad.body.errors?.map((e) => e.field)]).toEqual([400, ['body.accountIds']]);
  const badScope = await api.call<Problem>('POST', path, { body: { scope: 'world' } });
  expect(badScope.body.errors?.map((e) => e.field)).toEqual(['body.scope']);
  const ops = await api.call<Problem>('POST', path, {
    key: api.keys.ops,
    body: { scope: 'accounts', accountIds: [friend] },
  });
  expect([ops.status, ops.body.code]).toEqual([403, 'insufficient_scope']);
  const notOwner = await api.call<Problem>(
    'POST',
    `/v1/accounts/${friend}/coupons/${soon}/shares`,
    { body: { scope: 'accounts', accountIds: [owner] } },
  );
  expect(notOwner.body.code).toBe('coupon_not_owned');
  expect(await api.engine.db.couponShare.count({ where: { couponId: soon } })).toBe(0);

  const key = randomUUID();
  const shared = await api.call<{ shareId: string; cancelledAt: string | null }>('POST', path, {
    body: { scope: 'accounts', accountIds: [friend] },
    idempotencyKey: key,
  });
  expect(shared.status).toBe(201);
  expect(shared.body).toMatchObject({
    couponId: soon,
    scope: 'accounts',
    accountIds: [friend],
    cancelledAt: null,
  });
  const replay = await api.call('POST', path, {
    body: { scope: 'accounts', accountIds: [friend] },
    idempotencyKey: key,
  });
  expect(replay.body).toEqual(shared.body);
  expect(await api.engine.db.couponShare.count({ where: { couponId: soon } })).toBe(1);

  const friendList = await api.call<Page>('GET', `/v1/accounts/${friend}/coupons`);
  expect(friendList.body.items.map((c) => [c.couponId, c.shared])).toEqual([[soon, true]]);
  expect(
    (await api.call('GET', `/v1/accounts/${friend}/coupons/${soon}`, { key: api.keys.ops })).status,
  ).toBe(200);

  const { shareId } = shared.body;
  const wrongCoupon = await api.call<Problem>(
    'DELETE',
    `/v1/accounts/${owner}/coupons/cpn-other/shares/${shareId}`,
  );
  expect([wrongCoupon.status, wrongCoupon.body.code]).toEqual([404, 'share_not_found']);
  const opsCancel = await api.call('DELETE', `${path}/${shareId}`, { key: api.keys.ops });
  expect(opsCancel.status).toBe(403);
  const cancelKey = randomUUID();
  const cancelled = await api.call<{ cancelledAt: string | null }>('DELETE', `${path}/${shareId}`, {
    key: api.keys.billing,
    idempotencyKey: cancelKey,
  });
  expect(cancelled.status).toBe(200);
  expect(cancelled.body.cancelledAt).toEqual(expect.any(String));
  const again = await api.call('DELETE', `${path}/${shareId}`, {
    key: api.keys.billing,
    idempotencyKey: cancelKey,
  });
  expect(again.body).toEqual(cancelled.body);
  const row = await api.engine.db.couponShare.findUniqueOrThrow({ where: { id: shareId } });
  expect(row.cancelledAt?.toISOString()).toBe(cancelled.body.cancelledAt);
  expect((await api.call<Page>('GET', `/v1/accounts/${friend}/coupons`)).body.items).toEqual([]);
  const gone = await api.call<Problem>('GET', `/v1/accounts/${friend}/coupons/${soon}`);
  expect(gone.status).toBe(404);
});

test('an organization share follows membership: record, join, share, leave', async () => {
  const owner = await createAccount(api.engine.db);
  const member = await createAccount(api.engine.db);
  const organizationId = uid('org');
  const org = await api.call<{ name: string }>('PUT', `/v1/organizations/${organizationId}`, {
    key: api.keys.ops,
    body: { name: 'Acme' },
  });
  expect([org.status, org.body.name]).toEqual([200, 'Acme']);
  const renamed = await api.call<{ name: string }>('PUT', `/v1/organizations/${organizationId}`, {
    key: api.keys.ops,
    body: { name: 'Acme Ltd' },
  });
  expect(renamed.body.name).toBe('Acme Ltd');
  const billing = await api.call<Problem>('PUT', `/v1/organizations/${organizationId}`, {
    key: api.keys.billing,
    body: { name: 'x' },
  });
  expect([billing.status, billing.body.code]).toEqual([403, 'insufficient_scope']);
  const badBody = await api.call<Problem>('PUT', `/v1/accounts/${member}/organization`, {
    body: { organizationId: 'not an id' },
  });
  expect(badBody.body.errors?.map((e) => e.field)).toEqual(['body.organizationId']);
  const unknown = await api.call<Problem>('PUT', `/v1/accounts/${member}/organization`, {
    body: { organizationId: uid('org') },
  });
  expect([unknown.status, unknown.body.code]).toEqual([404, 'organization_not_found']);

  for (const accountId of [owner, member]) {
    const key = randomUUID();
    const joined = await api.call('PUT', `/v1/accounts/${accountId}/organization`, {
      body: { organizationId },
      idempotencyKey: key,
    });
    expect([joined.status, joined.body]).toEqual([200, { accountId, organizationId }]);
    const replay = await api.call('PUT', `/v1/accounts/${accountId}/organization`, {
      body: { organizationId },
      idempotencyKey: key,
    });
    expect(replay.body).toEqual(joined.body);
  }
  const { soon } = await threeCoupons(owner);
  const share = await api.call('POST', `/v1/accounts/${owner}/coupons/${soon}/shares`, {
    body: { scope: 'organization', organizationId },
  });
  expect(share.status).toBe(201);
  const seen = await api.call<Page>('GET', `/v1/accounts/${member}/coupons`);
  expect(seen.body.items.map((c) => [c.couponId, c.shared])).toEqual([[soon, true]]);

  const notIn = await api.call<Problem>('DELETE', `/v1/accounts/${member}/organization/other-org`);
  expect([notIn.status, notIn.body.code]).toEqual([422, 'account_not_in_organization']);
  const left = await api.call('DELETE', `/v1/accounts/${member}/organization/${organizationId}`);
  expect([left.status, left.body]).toEqual([200, { accountId: member, organizationId: null }]);
  expect((await api.call<Page>('GET', `/v1/accounts/${member}/coupons`)).body.items).toEqual([]);
  // The owner leaving ends its organization share.
  await api.call('DELETE', `/v1/accounts/${owner}/organization/${organizationId}`);
  const ended = await api.engine.db.couponShare.findFirstOrThrow({ where: { couponId: soon } });
  expect(ended.cancelledAt).not.toBeNull();
});

test('the typed client: coupon functions refuse with CouponRefusal and a reason code', async () => {
  const ctx = { db: api.engine.db };
  const owner = await createAccount(api.engine.db);
  const { soon } = await threeCoupons(owner);
  const refusal = (run: () => Promise<unknown>) =>
    run().then(
      () => null,
      (err: unknown) => err,
    );

  const invalid = await refusal(() =>
    shareCoupon(ctx, {
      couponId: soon,
      ownerAccountId: owner,
      scope: 'accounts',
      accountIds: [],
      operationKey: 'k-1',
      at: new Date().toISOString(),
    }),
  );
  expect(invalid).toBeInstanceOf(CouponRefusal);
  expect(invalid).toMatchObject({
    code: 'invalid_input',
    details: { fields: [{ path: 'accountIds' }] },
  });
  expect(
    await refusal(() => getCouponHistory(ctx, { accountId: owner, couponId: 'cpn-none' })),
  ).toMatchObject({
    code: 'coupon_not_found',
  });
  const page = await listCoupons(ctx, { accountId: owner, status: 'available', limit: 1 });
  expect(page.items.map((c) => c.couponId)).toEqual([soon]);
  expect(page.nextCursor).not.toBeNull();
  const history = await getCouponHistory(ctx, { accountId: owner, couponId: soon });
  expect(history.movements.map((m) => m.kind)).toEqual(['redeem']);
  expect(await getCouponDeduction(ctx, { orderId: uid('o') })).toMatchObject({
    net: '0',
    coupons: [],
  });
});
