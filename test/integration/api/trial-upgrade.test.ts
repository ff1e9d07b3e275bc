/**
 * Issue 8: the trial upgrade over HTTP, end to end against a running worker,
 * PostgreSQL and the API server: every route, bad input for every field (400
 * problem naming it, nothing written), missing / wrong / revoked API keys, wrong
 * scope, replayed and reused Idempotency-Keys, refusals with their reason codes.
 */
import { randomUUID } from 'node:crypto';
import { revokeApiKey, issueApiKey } from '../../../api/keys';
import { createApiHarness, type ApiHarness } from '../../support/api-harness';
import { createFundsCode } from '../../support/ledger-fixtures';
import {
  TEST_ADDRESS,
  TEST_CARD,
  newTestPhone,
  readDeliveredCode,
} from '../../support/trial-upgrade-steps';

jest.setTimeout(90_000);

let api: ApiHarness;
beforeAll(async () => {
  api = await createApiHarness();
  await createFundsCode(api.engine.db, { code: 'APIUPGRADE40', amount: '40.00' });
});
afterAll(async () => {
  await api?.close();
});

type Problem = {
  type: string;
  status: number;
  code: string;
  detail: string;
  errors?: Array<{ field: string; message: string }>;
  missing?: string[];
  retryAt?: string;
};

const start = (accountId: string, extra: Record<string, unknown> = {}) =>
  api.call('POST', '/v1/trial-upgrades', {
    body: {
      accountId,
      displayName: `Company ${accountId}`,
      email: `${accountId}@example.com`,
      ...extra,
    },
  });

function expectProblem(
  answer: { status: number; headers: Headers; body: unknown },
  status: number,
  code: string,
): Problem {
  expect({ status: answer.status, code: (answer.body as Problem).code }).toEqual({ status, code });
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = answer.body as Problem;
  expect(problem).toMatchObject({ type: `/problems/${code}`, status });
  expect(problem.detail.length).toBeGreaterThan(0);
  return problem;
}

const fieldsOf = (problem: Problem): string[] => (problem.errors ?? []).map((e) => e.field);

describe('the whole upgrade over HTTP', () => {
  const accountId = `acct-api-${randomUUID().slice(0, 8)}`;
  const phone = newTestPhone('+1415558');

  test('start, each step, state, promo code, confirm: upgraded with recharge off, nothing charged, promo applied', async () => {
    const started = await start(accountId);
    expect(started.status).toBe(200);
    expect(started.body).toEqual({
      accountId,
      workflowId: `trial-upgrade/${accountId}`,
      stage: 'awaiting_phone',
    });
    // Starting again finds the same upgrade.
    expect((await start(accountId)).body).toEqual(started.body);

    const sent = await api.call('POST', `/v1/trial-upgrades/${accountId}/phone`, {
      body: { phone, channel: 'sms' },
    });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ stage: 'awaiting_code', channel: 'sms', resendsLeft: 5 });
    expect(sent.body.phone).toBe(`+${'*'.repeat(phone.length - 5)}${phone.slice(-4)}`);

    const wrong = await api.call('POST', `/v1/trial-upgrades/${accountId}/code/verify`, {
      body: { code: '000000' },
    });
    expect(wrong.status).toBe(200);
    expect(wrong.body).toMatchObject({ verified: false, reason: 'wrong_code', attemptsLeft: 4 });

    const code = await readDeliveredCode(api.engine.db, phone);
    const verified = await api.call('POST', `/v1/trial-upgrades/${accountId}/code/verify`, {
      body: { code },
    });
    expect(verified.body).toMatchObject({ verified: true, stage: 'awaiting_company_address' });

    expect(
      (
        await api.call('POST', `/v1/trial-upgrades/${accountId}/company-address`, {
          body: TEST_ADDRESS,
        })
      ).body,
    ).toMatchObject({ stage: 'awaiting_billing_address' });
    expect(
      (
        await api.call('POST', `/v1/trial-upgrades/${accountId}/billing-address`, {
          body: { sameAsCompany: true },
        })
      ).body,
    ).toMatchObject({ stage: 'awaiting_payment_method' });

    const paid = await api.call('POST', `/v1/trial-upgrades/${accountId}/payment-method`, {
      body: TEST_CARD,
    });
    expect(paid.status).toBe(200);
    expect(paid.body).toEqual({
      stage: 'ready_to_confirm',
      missing: [],
      paymentMethod: {
        type: 'card',
        brand: 'visa',
        last4: '4242',
        expMonth: TEST_CARD.expMonth,
        expYear: TEST_CARD.expYear,
      },
    });
    expect(JSON.stringify(paid.body)).not.toContain('tok_');

    const promo = await api.call('PUT', `/v1/trial-upgrades/${accountId}/promo-code`, {
      body: { code: 'APIUPGRADE40' },
    });
    expect(promo.body).toMatchObject({
      promoCode: { code: 'APIUPGRADE40', appliesAt: 'upgrade', grant: 'funds' },
    });
    const removed = await api.call('DELETE', `/v1/trial-upgrades/${accountId}/promo-code`);
    expect(removed.body).toEqual({ stage: 'ready_to_confirm', missing: [] });
    await api.call('PUT', `/v1/trial-upgrades/${accountId}/promo-code`, {
      body: { code: 'APIUPGRADE40' },
    });

    const state = await api.call('GET', `/v1/trial-upgrades/${accountId}`);
    expect(state.status).toBe(200);
    expect(state.body).toMatchObject({
      stage: 'ready_to_confirm',
      missing: [],
      verification: { verified: true },
      details: {
        phoneVerified: true,
        billingSameAsCompany: true,
        paymentMethod: expect.stringContaining('4242'),
        promoCode: { code: 'APIUPGRADE40' },
      },
    });
    // Ops may read it too.
    expect(
      (await api.call('GET', `/v1/trial-upgrades/${accountId}`, { key: api.keys.ops })).status,
    ).toBe(200);

    const confirmed = await api.call('POST', `/v1/trial-upgrades/${accountId}/confirm`);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({
      accountId,
      status: 'upgraded',
      automaticRechargeEnabled: false,
      charged: false,
      promoCode: { code: 'APIUPGRADE40', appliedAs: 'trial_upgrade', fundsAdded: '40.00' },
    });
    const account = await api.engine.db.account.findUniqueOrThrow({ where: { id: accountId } });
    expect(account).toMatchObject({
      status: 'upgraded',
      automaticRechargeEnabled: false,
      phoneE164: phone,
    });
    expect(Number(account.fundsBalance)).toBe(40);
    expect(await api.engine.db.payment.count({ where: { accountId } })).toBe(0);
    expect(await api.engine.db.codeRedemption.count({ where: { accountId } })).toBe(1);

    // The upgrade has ended: a further step is refused as closed.
    const late = await api.call('POST', `/v1/trial-upgrades/${accountId}/company-address`, {
      body: TEST_ADDRESS,
    });
    expectProblem(late, 409, 'upgrade_closed');
    // The state still reads after completion.
    expect((await api.call('GET', `/v1/trial-upgrades/${accountId}`)).body).toMatchObject({
      stage: 'upgraded',
    });
  });
});

describe('refusals carry their reason code', () => {
  test('steps out of order (409 with the missing steps), resend cooldown (429, Retry-After), unknown account (404)', async () => {
    const accountId = `acct-api-order-${randomUUID().slice(0, 6)}`;
    await start(accountId);
    const early = await api.call('POST', `/v1/trial-upgrades/${accountId}/company-address`, {
      body: TEST_ADDRESS,
    });
    const problem = expectProblem(early, 409, 'step_out_of_order');
    expect(problem.missing).toEqual(['phone', 'phone_verification']);

    const notReady = await api.call('POST', `/v1/trial-upgrades/${accountId}/confirm`);
    expect(notReady.status).toBe(409);
    expect((notReady.body as Problem).missing).toContain('payment_method');

    await api.call('POST', `/v1/trial-upgrades/${accountId}/phone`, {
      body: { phone: newTestPhone('+1415559') },
    });
    const resend = await api.call('POST', `/v1/trial-upgrades/${accountId}/code/resend`, {
      body: { channel: 'voice' },
    });
    const cooldown = expectProblem(resend, 429, 'resend_cooldown');
    expect(cooldown.retryAt).toBeDefined();
    expect(Number(resend.headers.get('retry-after'))).toBeGreaterThan(0);

    const unknown = await api.call('GET', '/v1/trial-upgrades/acct-nobody-here');
    expectProblem(unknown, 404, 'trial_upgrade_not_found');
    expectProblem(
      await api.call('POST', '/v1/trial-upgrades/acct-nobody-here/phone', {
        body: { phone: '+14155550100' },
      }),
      404,
      'trial_upgrade_not_found',
    );
  });

  test('a card the gateway cannot tokenize names the field; an unknown promo code is 422 unknown_code', async () => {
    const accountId = `acct-api-card-${randomUUID().slice(0, 6)}`;
    await start(accountId);
    const phone = newTestPhone('+1415560');
    await api.call('POST', `/v1/trial-upgrades/${accountId}/phone`, { body: { phone } });
    await api.call('POST', `/v1/trial-upgrades/${accountId}/code/verify`, {
      body: { code: await readDeliveredCode(api.engine.db, phone) },
    });
    await api.call('POST', `/v1/trial-upgrades/${accountId}/company-address`, {
      body: TEST_ADDRESS,
    });
    await api.call('POST', `/v1/trial-upgrades/${accountId}/billing-address`, {
      body: { address: { ...TEST_ADDRESS, line1: '2 Billing Rd' } },
    });
    const expired = await api.call('POST', `/v1/trial-upgrades/${accountId}/payment-method`, {
      body: { ...TEST_CARD, expYear: 2001 },
    });
    const problem = expectProblem(expired, 400, 'invalid_input');
    expect(fieldsOf(problem)).toEqual(['body.expYear']);
    expect(await api.engine.db.paymentMethod.count({ where: { accountId } })).toBe(0);

    await api.call('POST', `/v1/trial-upgrades/${accountId}/payment-method`, {
      body: { type: 'paypal', email: 'someone@example.com' },
    });
    const unknown = await api.call('PUT', `/v1/trial-upgrades/${accountId}/promo-code`, {
      body: { code: 'NO-SUCH-CODE' },
    });
    const refused = expectProblem(unknown, 422, 'unknown_code');
    expect(fieldsOf(refused)).toEqual(['body.code']);
  });

  test('cancel: 202, then the upgrade is cancelled and the account stays a trial', async () => {
    const accountId = `acct-api-cancel-${randomUUID().slice(0, 6)}`;
    await start(accountId);
    const cancelled = await api.call('POST', `/v1/trial-upgrades/${accountId}/cancel`, {
      key: api.keys.ops,
      body: { reason: 'customer asked' },
    });
    expect(cancelled.status).toBe(202);
    expect(cancelled.body).toEqual({ accountId, cancellation: 'requested' });
    for (let i = 0; ; i++) {
      const state = await api.call<{ stage: string }>('GET', `/v1/trial-upgrades/${accountId}`);
      if (state.body.stage === 'cancelled') break;
      if (i > 50) throw new Error(`still ${state.body.stage}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(
      (await api.engine.db.account.findUniqueOrThrow({ where: { id: accountId } })).status,
    ).toBe('trial');
  });
});

describe('bad input: a 400 problem naming every bad field, and nothing written', () => {
  const accountId = `acct-api-bad-${randomUUID().slice(0, 6)}`;
  beforeAll(async () => {
    await start(accountId);
  });

  const cases: Array<[string, string, string, unknown, string[]]> = [
    [
      'start: every field',
      'POST',
      '/v1/trial-upgrades',
      { accountId: 'bad id!', displayName: '', email: 'nope', currency: 'XXX' },
      ['body.accountId', 'body.displayName', 'body.email', 'body.currency'],
    ],
    ['start: missing fields', 'POST', '/v1/trial-upgrades', {}, ['body.displayName', 'body.email']],
    [
      'start: unknown field',
      'POST',
      '/v1/trial-upgrades',
      { displayName: 'x', email: 'a@b.co', policy: {} },
      ['body.policy'],
    ],
    [
      'phone: number and channel',
      'POST',
      '/phone',
      { phone: '0123', channel: 'fax' },
      ['body.phone', 'body.channel'],
    ],
    ['phone: missing', 'POST', '/phone', {}, ['body.phone']],
    ['resend: channel', 'POST', '/code/resend', { channel: 'pigeon' }, ['body.channel']],
    ['verify: code shape', 'POST', '/code/verify', { code: '12ab' }, ['body.code']],
    [
      'verify: a sealed code is not accepted from outside',
      'POST',
      '/code/verify',
      { code: '123456', sealedCode: 'v1.x' },
      ['body.sealedCode'],
    ],
    [
      'company address: every field',
      'POST',
      '/company-address',
      { country: 'usa', line1: '', line2: '', city: '', region: '', postalCode: '!' },
      ['body.country', 'body.line1', 'body.line2', 'body.city', 'body.region', 'body.postalCode'],
    ],
    [
      'company address: missing',
      'POST',
      '/company-address',
      {},
      ['body.country', 'body.line1', 'body.city', 'body.postalCode'],
    ],
    ['billing address: neither', 'POST', '/billing-address', {}, ['body.address']],
    [
      'billing address: both',
      'POST',
      '/billing-address',
      { sameAsCompany: true, address: TEST_ADDRESS },
      ['body.address'],
    ],
    [
      'billing address: a bad address',
      'POST',
      '/billing-address',
      { address: { ...TEST_ADDRESS, postalCode: '' } },
      ['body.address.postalCode'],
    ],
    [
      'billing address: an unknown key inside the address',
      'POST',
      '/billing-address',
      { address: { ...TEST_ADDRESS, floor: '3' } },
      ['body.address.floor'],
    ],
    [
      'payment: card fields',
      'POST',
      '/payment-method',
      {
        type: 'card',
        number: '4242424242424241',
        expMonth: 13,
        expYear: 1999,
        cvc: '1',
        holderName: '',
      },
      ['body.number', 'body.expMonth', 'body.expYear', 'body.cvc', 'body.holderName'],
    ],
    ['payment: type', 'POST', '/payment-method', { type: 'cash' }, ['body.type']],
    [
      'payment: an unknown card field is refused, not dropped',
      'POST',
      '/payment-method',
      {
        type: 'card',
        number: '4242424242424242',
        expMonth: 12,
        expYear: new Date().getUTCFullYear() + 2,
        cvc: '123',
        holderName: 'X',
        pin: '1234',
      },
      ['body.pin'],
    ],
    [
      'payment: an unknown paypal field',
      'POST',
      '/payment-method',
      { type: 'paypal', email: 'pp@example.com', password: 'x' },
      ['body.password'],
    ],
    [
      'payment: paypal email',
      'POST',
      '/payment-method',
      { type: 'paypal', email: 'x' },
      ['body.email'],
    ],
    ['promo: code with a space', 'PUT', '/promo-code', { code: 'HAS SPACE' }, ['body.code']],
    ['promo: missing', 'PUT', '/promo-code', {}, ['body.code']],
    ['cancel: reason', 'POST', '/cancel', { reason: '' }, ['body.reason']],
  ];

  test.each(cases)('%s', async (_name, method, path, body, fields) => {
    const url = path.startsWith('/v1') ? path : `/v1/trial-upgrades/${accountId}${path}`;
    const written = async () => [
      await api.engine.db.account.count(),
      await api.engine.db.devOutboxMessage.count(),
      await api.engine.db.paymentMethod.count(),
      await api.engine.db.apiIdempotencyRecord.count(),
    ];
    const before = await written();
    const answer = await api.call(method, url, { body });
    const problem = expectProblem(answer, 400, 'invalid_input');
    expect(fieldsOf(problem).sort()).toEqual([...fields].sort());
    expect(await written()).toEqual(before);
  });

  test('path parameter: a bad account id', async () => {
    const answer = await api.call('GET', '/v1/trial-upgrades/bad%20id');
    expect(fieldsOf(expectProblem(answer, 400, 'invalid_input'))).toEqual(['params.accountId']);
  });

  test('malformed JSON and a wrong media type are problems too', async () => {
    const answer = await api.call('POST', `/v1/trial-upgrades/${accountId}/phone`, {
      body: '{"phone":',
    });
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toMatch(/problem\+json/);
    const text = await fetch(`${api.url}/v1/trial-upgrades/${accountId}/phone`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${api.keys.signup}`,
        'idempotency-key': randomUUID(),
        'content-type': 'application/xml',
      },
      body: '<phone/>',
    });
    expect(text.status).toBe(415);
    expect(text.headers.get('content-type')).toMatch(/problem\+json/);
  });

  test('list query: limit out of range, unknown stage, foreign cursor', async () => {
    const bad = await api.call('GET', '/v1/trial-upgrades?limit=0&stage=sleeping', {
      key: api.keys.ops,
    });
    expect(fieldsOf(expectProblem(bad, 400, 'invalid_input')).sort()).toEqual([
      'query.limit',
      'query.stage',
    ]);
    const cursor = await api.call('GET', '/v1/trial-upgrades?cursor=abc', { key: api.keys.ops });
    expect(fieldsOf(expectProblem(cursor, 400, 'invalid_input'))).toEqual(['query.cursor']);
  });
});

describe('API keys and scopes', () => {
  const path = '/v1/trial-upgrades/acct-anyone';
  test('no key, a malformed key, an unknown key, a wrong secret: 401 with WWW-Authenticate', async () => {
    const valid = api.keys.signup;
    for (const key of [
      null,
      'nonsense',
      'bk_nobody.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      `${valid.slice(0, -3)}xyz`,
    ]) {
      const answer = await api.call('GET', path, { key });
      expectProblem(answer, 401, key === null ? 'missing_api_key' : 'invalid_api_key');
      expect(answer.headers.get('www-authenticate')).toBe('Bearer');
    }
  });

  test('a revoked key is refused', async () => {
    const { key } = await issueApiKey(api.engine.db, {
      id: 'test-revoked',
      service: 'old',
      scopes: ['signup'],
    });
    expect((await api.call('GET', path, { key })).status).toBe(404); // authenticated: no such upgrade
    await revokeApiKey(api.engine.db, 'test-revoked');
    expectProblem(await api.call('GET', path, { key }), 401, 'invalid_api_key');
  });

  test('keys are stored hashed', async () => {
    const rows = await api.engine.db.apiKey.findMany();
    for (const row of rows) {
      expect(row.secretHash).toMatch(/^[0-9a-f]{64}$/);
      expect(Object.values(api.keys).some((k) => k.includes(row.secretHash))).toBe(false);
    }
  });

  test.each([
    ['ops cannot drive a signup step', 'POST', '/v1/trial-upgrades', 'ops'],
    ['billing cannot start an upgrade', 'POST', '/v1/trial-upgrades', 'billing'],
    ['signup cannot list upgrades', 'GET', '/v1/trial-upgrades', 'signup'],
    ['billing cannot read an upgrade', 'GET', path, 'billing'],
    ['signup cannot use the codec server', 'POST', '/codec/decode', 'signup'],
  ] as const)('%s: 403 insufficient_scope, nothing done', async (_name, method, url, scope) => {
    const answer = await api.call(method, url, {
      key: api.keys[scope],
      ...(method === 'GET'
        ? {}
        : {
            body: {
              accountId: 'acct-scope',
              displayName: 'x',
              email: 'x@example.com',
              payloads: [],
            },
          }),
    });
    expectProblem(answer, 403, 'insufficient_scope');
    expect(await api.engine.db.account.count({ where: { id: 'acct-scope' } })).toBe(0);
  });
});

describe('Idempotency-Key', () => {
  test('required on every mutating request, named in the problem', async () => {
    const answer = await api.call('POST', '/v1/trial-upgrades', {
      idempotencyKey: null,
      body: { displayName: 'x', email: 'x@example.com' },
    });
    expect(fieldsOf(expectProblem(answer, 400, 'invalid_input'))).toEqual([
      'headers.idempotency-key',
    ]);
    const short = await api.call('DELETE', '/v1/trial-upgrades/acct-x/promo-code', {
      idempotencyKey: 'abc',
    });
    expect(fieldsOf(expectProblem(short, 400, 'invalid_input'))).toEqual([
      'headers.idempotency-key',
    ]);
  });

  test('a replay returns the first answer and does the step once; another request under the key is 422', async () => {
    const accountId = `acct-api-idem-${randomUUID().slice(0, 6)}`;
    await start(accountId);
    const phone = newTestPhone('+1415561');
    const key = randomUUID();
    const first = await api.call('POST', `/v1/trial-upgrades/${accountId}/phone`, {
      idempotencyKey: key,
      body: { phone },
    });
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    // The same body written differently (key order) is the same request.
    const again = await api.call('POST', `/v1/trial-upgrades/${accountId}/phone`, {
      idempotencyKey: key,
      body: `{"phone":"${phone}"}`,
    });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    // One code sent, not two (a second send would also hit the resend cooldown).
    expect(await api.engine.db.devOutboxMessage.count({ where: { phoneE164: phone } })).toBe(1);

    const reused = await api.call('POST', `/v1/trial-upgrades/${accountId}/phone`, {
      idempotencyKey: key,
      body: { phone: newTestPhone('+1415562') },
    });
    expect(fieldsOf(expectProblem(reused, 422, 'idempotency_key_reused'))).toEqual([
      'headers.idempotency-key',
    ]);
    const otherRoute = await api.call('POST', `/v1/trial-upgrades/${accountId}/cancel`, {
      idempotencyKey: key,
      body: { reason: 'x' },
    });
    expectProblem(otherRoute, 422, 'idempotency_key_reused');

    // A refusal is an answer too: replayed as it was.
    const refusedKey = randomUUID();
    const refused = await api.call('POST', `/v1/trial-upgrades/${accountId}/confirm`, {
      idempotencyKey: refusedKey,
    });
    const replayedRefusal = await api.call('POST', `/v1/trial-upgrades/${accountId}/confirm`, {
      idempotencyKey: refusedKey,
    });
    expect(replayedRefusal.status).toBe(refused.status);
    expect(replayedRefusal.body).toEqual(refused.body);
    expect(replayedRefusal.headers.get('idempotent-replayed')).toBe('true');
    expect(replayedRefusal.headers.get('content-type')).toMatch(/problem\+json/);
  });

  test('keys are per API key: another service may use the same key for its own request', async () => {
    const key = randomUUID();
    // Two upgrades: a cancel ends its workflow, so each service cancels its own.
    const accountId = `acct-api-idem2-${randomUUID().slice(0, 6)}`;
    const otherId = `acct-api-idem3-${randomUUID().slice(0, 6)}`;
    await start(accountId);
    await start(otherId);
    const signup = await api.call('POST', `/v1/trial-upgrades/${accountId}/cancel`, {
      idempotencyKey: key,
      body: { reason: 'a' },
    });
    // Same key, another API key and another request: not a reuse (422), not a replay.
    const ops = await api.call('POST', `/v1/trial-upgrades/${otherId}/cancel`, {
      key: api.keys.ops,
      idempotencyKey: key,
      body: { reason: 'b' },
    });
    expect([signup.status, ops.status]).toEqual([202, 202]);
    expect(ops.headers.get('idempotent-replayed')).toBeNull();
  });
});

describe('ops list of upgrades by stage', () => {
  test('filters by BillingStage and pages with a cursor', async () => {
    const prefix = `acct-api-list-${randomUUID().slice(0, 6)}`;
    for (const n of [1, 2, 3]) await start(`${prefix}-${n}`);
    type Page = {
      items: Array<{ accountId: string; stage: string; status: string }>;
      nextCursor: string | null;
    };
    let page: Page = { items: [], nextCursor: null };
    for (let i = 0; ; i++) {
      // Visibility is eventually consistent: wait (bounded) until the three show.
      page = (
        await api.call<Page>('GET', '/v1/trial-upgrades?stage=awaiting_phone&limit=100', {
          key: api.keys.ops,
        })
      ).body;
      if (page.items.filter((x) => x.accountId.startsWith(prefix)).length === 3) break;
      if (i > 50) throw new Error('upgrades never listed');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(page.items.every((x) => x.stage === 'awaiting_phone' && x.status === 'RUNNING')).toBe(
      true,
    );
    const first = (
      await api.call<Page>('GET', '/v1/trial-upgrades?stage=awaiting_phone&limit=1', {
        key: api.keys.ops,
      })
    ).body;
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).not.toBeNull();
    const second = (
      await api.call<Page>(
        'GET',
        `/v1/trial-upgrades?stage=awaiting_phone&limit=1&cursor=${first.nextCursor}`,
        {
          key: api.keys.ops,
        },
      )
    ).body;
    expect(second.items).toHaveLength(1);
    expect(second.items[0]?.accountId).not.toBe(first.items[0]?.accountId);
    const upgraded = (
      await api.call<Page>('GET', '/v1/trial-upgrades?stage=upgraded', { key: api.keys.ops })
    ).body;
    expect(upgraded.items.some((x) => x.accountId.startsWith(prefix))).toBe(false);
  });
});
