/**
 * Issue 8: Add Funds > Promo Code, the account read and the list of redeemed
 * codes over HTTP: credit once however often the request is replayed, refusals
 * with their reason, a trial account refused, pagination with a cursor.
 */
import { randomUUID } from 'node:crypto';
import { createApiHarness, type ApiHarness } from '../../support/api-harness';
import { createCouponCode, createFundsCode } from '../../support/ledger-fixtures';

jest.setTimeout(60_000);

let api: ApiHarness;
const upgraded = 'acct-api-funds';
const trial = 'acct-api-trial';
beforeAll(async () => {
  api = await createApiHarness();
  await api.engine.db.account.create({
    data: { id: upgraded, displayName: 'U', email: 'u@example.com', status: 'upgraded' },
  });
  await api.engine.db.account.create({
    data: { id: trial, displayName: 'T', email: 't@example.com', status: 'trial' },
  });
  for (const code of ['FUNDS10', 'FUNDS20', 'FUNDS30']) {
    await createFundsCode(api.engine.db, { code, amount: code.slice(5) + '.00' });
  }
  await createCouponCode(api.engine.db, { code: 'COUPON50', terms: { faceValue: '50.00' } });
  await createFundsCode(api.engine.db, {
    code: 'OLD5',
    amount: '5.00',
    validFrom: new Date(Date.now() - 10 * 86_400_000).toISOString(),
    validUntil: new Date(Date.now() - 86_400_000).toISOString(),
  });
});
afterAll(async () => {
  await api?.close();
});

type Problem = { code: string; status: number; errors?: Array<{ field: string }> };
const funds = async (id: string): Promise<number> =>
  Number((await api.engine.db.account.findUniqueOrThrow({ where: { id } })).fundsBalance);

test('a promo code adds its credit once; the replayed request returns the same answer', async () => {
  const key = randomUUID();
  const first = await api.call('POST', `/v1/accounts/${upgraded}/promo-codes`, {
    idempotencyKey: key,
    body: { code: 'FUNDS10' },
  });
  expect(first.status).toBe(200);
  expect(first.body).toEqual({
    accountId: upgraded,
    code: 'FUNDS10',
    grant: 'funds',
    fundsAdded: '10.00',
    couponId: null,
    fundsBalance: '10.00',
  });
  const replay = await api.call('POST', `/v1/accounts/${upgraded}/promo-codes`, {
    idempotencyKey: key,
    body: { code: 'FUNDS10' },
  });
  expect(replay.body).toEqual(first.body);
  expect(replay.headers.get('idempotent-replayed')).toBe('true');
  // A new request for the same code (new key) is refused by the ledger: redeemed once.
  const again = await api.call('POST', `/v1/accounts/${upgraded}/promo-codes`, {
    key: api.keys.billing,
    body: { code: 'FUNDS10' },
  });
  expect(again.status).toBe(200);
  expect(again.body).toEqual(first.body); // the promo-code workflow returns its first result
  expect(await funds(upgraded)).toBe(10);
  expect(await api.engine.db.codeRedemption.count({ where: { accountId: upgraded } })).toBe(1);
});

test('a coupon code grants its coupon', async () => {
  const answer = await api.call<{ grant: string; couponId: string }>(
    'POST',
    `/v1/accounts/${upgraded}/promo-codes`,
    { body: { code: 'COUPON50' } },
  );
  expect(answer.body.grant).toBe('coupon');
  const coupon = await api.engine.db.coupon.findUniqueOrThrow({
    where: { id: answer.body.couponId },
  });
  expect(coupon).toMatchObject({ ownerAccountId: upgraded, status: 'available' });
  expect(Number(coupon.balance)).toBe(50);
});

test.each([
  ['unknown', upgraded, 'NOPE', 422, 'unknown_code'],
  ['expired', upgraded, 'OLD5', 422, 'code_expired'],
  ['case-sensitive', upgraded, 'funds20', 422, 'unknown_code'],
  ['trial account', trial, 'FUNDS20', 409, 'account_is_trial'],
  ['no such account', 'acct-missing', 'FUNDS20', 404, 'account_not_found'],
])('%s: refused with its reason, nothing credited', async (_n, accountId, code, status, reason) => {
  const before = await api.engine.db.codeRedemption.count();
  const answer = await api.call<Problem>('POST', `/v1/accounts/${accountId}/promo-codes`, {
    body: { code },
  });
  expect([answer.status, answer.body.code]).toEqual([status, reason]);
  expect(answer.headers.get('content-type')).toMatch(/problem\+json/);
  expect(await api.engine.db.codeRedemption.count()).toBe(before);
});

test('bad input, missing key, wrong scope', async () => {
  // Path parameters are checked first, then the body: each problem names every bad field of its part.
  const badPath = await api.call<Problem>('POST', `/v1/accounts/bad id/promo-codes`, {
    body: { code: 'FUNDS20' },
  });
  expect([badPath.status, badPath.body.errors?.map((e) => e.field)]).toEqual([
    400,
    ['params.accountId'],
  ]);
  const bad = await api.call<Problem>('POST', `/v1/accounts/${upgraded}/promo-codes`, {
    body: { code: 'A B', extra: 1 },
  });
  expect(bad.status).toBe(400);
  expect(bad.body.errors?.map((e) => e.field).sort()).toEqual(['body.code', 'body.extra']);
  const missing = await api.call<Problem>('POST', `/v1/accounts/${upgraded}/promo-codes`, {
    body: {},
  });
  expect(missing.body.errors?.map((e) => e.field)).toEqual(['body.code']);
  const noKey = await api.call('POST', `/v1/accounts/${upgraded}/promo-codes`, {
    key: null,
    body: { code: 'FUNDS20' },
  });
  expect(noKey.status).toBe(401);
  const ops = await api.call<Problem>('POST', `/v1/accounts/${upgraded}/promo-codes`, {
    key: api.keys.ops,
    body: { code: 'FUNDS20' },
  });
  expect([ops.status, ops.body.code]).toEqual([403, 'insufficient_scope']);
  expect(await funds(upgraded)).toBe(10);
});

test('the account and its redeemed codes, paged with a cursor', async () => {
  await api.call('POST', `/v1/accounts/${upgraded}/promo-codes`, { body: { code: 'FUNDS20' } });
  await api.call('POST', `/v1/accounts/${upgraded}/promo-codes`, { body: { code: 'FUNDS30' } });
  const account = await api.call('GET', `/v1/accounts/${upgraded}`, { key: api.keys.ops });
  expect(account.body).toMatchObject({
    accountId: upgraded,
    status: 'upgraded',
    currency: 'USD',
    fundsBalance: '60.00',
    arrears: '0.00',
    automaticRechargeEnabled: false,
  });
  type Page = { items: Array<{ code: string }>; nextCursor: string | null };
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 10; pages++) {
    const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
    const page: Page = (
      await api.call<Page>('GET', `/v1/accounts/${upgraded}/promo-codes${query}`, {
        key: api.keys.billing,
      })
    ).body;
    expect(page.items.length).toBeLessThanOrEqual(2);
    seen.push(...page.items.map((i) => i.code));
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  expect(seen.sort()).toEqual(['COUPON50', 'FUNDS10', 'FUNDS20', 'FUNDS30']);
  expect((await api.call('GET', `/v1/accounts/acct-missing`)).status).toBe(404);
  const badCursor = await api.call<Problem>(
    'GET',
    `/v1/accounts/${upgraded}/promo-codes?cursor=zz`,
  );
  expect([badCursor.status, badCursor.body.errors?.[0]?.field]).toEqual([400, 'query.cursor']);
});
