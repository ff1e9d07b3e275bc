/**
 * Issue 9, abuse limits per caller: sending and checking verification codes and
 * redeeming promo / coupon codes are limited per API key and per client IP
 * (api/rate-limits.ts), in PostgreSQL so that every API process counts against
 * one limit. Over a limit: 429 `rate_limited` problem naming the limit, with
 * Retry-After; nothing reaches the workflow, no Idempotency-Key answer is kept;
 * another key (or address) still passes; the next window (an injected clock, no
 * waiting) lets the caller through again.
 */
import { randomUUID } from 'node:crypto';
import { createDatabase } from '../../../activities/database';
import { issueApiKey } from '../../../api/keys';
import { createRateLimiter, type ApiRateLimits } from '../../../api/rate-limits';
import { createApiHarness, type ApiHarness } from '../../support/api-harness';
import { createAccount, createFundsCode, ledgerRowCounts } from '../../support/ledger-fixtures';
import { newTestPhone, readDeliveredCode } from '../../support/trial-upgrade-steps';

jest.setTimeout(120_000);

const WINDOW_MS = 10 * 60 * 1000;
const LIMITS: ApiRateLimits = {
  windowMs: WINDOW_MS,
  limits: {
    code_sends: { perApiKey: 100, perClientIp: 2 },
    code_checks: { perApiKey: 3, perClientIp: 100 },
    code_redemptions: { perApiKey: 100, perClientIp: 2 },
  },
};

// The API's clock: 30 s into a window, moved on by the tests.
let clock = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS + 30_000;
let api: ApiHarness;
let otherSignupKey: string;
beforeAll(async () => {
  api = await createApiHarness({
    rateLimits: LIMITS,
    trustProxy: true,
    now: () => new Date(clock),
  });
  otherSignupKey = (
    await issueApiKey(api.engine.db, {
      id: 'test-signup-2',
      service: 'signup 2',
      scopes: ['signup'],
    })
  ).key;
});
afterAll(async () => {
  await api?.close();
});

interface Problem {
  status: number;
  code: string;
  detail: string;
  retryAt?: string;
  limit?: { name: string; caller: string; max: number; windowSeconds: number };
}

/** An upgrade waiting for its code: started, phone sent (one code_sends hit from `ip`). */
async function awaitingCode(ip: string): Promise<{ accountId: string; phone: string }> {
  const accountId = `acct-rl-${randomUUID().slice(0, 8)}`;
  const phone = newTestPhone('+1415559');
  const headers = { 'x-forwarded-for': ip };
  const started = await api.call('POST', '/v1/trial-upgrades', {
    headers,
    body: { accountId, displayName: accountId, email: `${accountId}@example.com` },
  });
  expect(started.status).toBe(200);
  const sent = await api.call('POST', `/v1/trial-upgrades/${accountId}/phone`, {
    headers,
    body: { phone },
  });
  expect(sent.status).toBe(200);
  return { accountId, phone };
}

function expectRateLimited(
  answer: { status: number; headers: Headers; body: unknown },
  limit: Problem['limit'],
): Problem {
  const problem = answer.body as Problem;
  expect({ status: answer.status, code: problem.code, limit: problem.limit }).toEqual({
    status: 429,
    code: 'rate_limited',
    limit,
  });
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  // The window ends at the next multiple of WINDOW_MS of the API's clock.
  const windowEnd = (Math.floor(clock / WINDOW_MS) + 1) * WINDOW_MS;
  expect(problem.retryAt).toBe(new Date(windowEnd).toISOString());
  expect(answer.headers.get('retry-after')).toBe(String(Math.ceil((windowEnd - clock) / 1000)));
  return problem;
}

test('code checks: one key hammering is cut off with 429 (nothing reaches the workflow), another key passes, the next window lets it through', async () => {
  const { accountId, phone } = await awaitingCode('198.51.100.1');
  const verify = (code: string, key?: string, idempotencyKey?: string) =>
    api.call('POST', `/v1/trial-upgrades/${accountId}/code/verify`, {
      body: { code },
      ...(key ? { key } : {}),
      ...(idempotencyKey ? { idempotencyKey } : {}),
    });
  const attemptsOfChallenge = async () =>
    (await api.engine.db.verificationChallenge.findMany({ where: { accountId } })).reduce(
      (sum, c) => sum + c.attempts,
      0,
    );

  const answers = [];
  for (let i = 0; i < 3; i++) answers.push(await verify('000000'));
  expect(
    answers.map((a) => [a.status, (a.body as { attemptsLeft?: number }).attemptsLeft]),
  ).toEqual([
    [200, 4],
    [200, 3],
    [200, 2],
  ]);
  // Hammering on: every further check from this key is refused before it is checked.
  const blockedKey = `blocked-${randomUUID()}`;
  const refused = await verify('000000', undefined, blockedKey);
  const problem = expectRateLimited(refused, {
    name: 'code_checks',
    caller: 'api_key',
    max: 3,
    windowSeconds: 600,
  });
  expect(problem.detail).toMatch(/verification code checks from this API key: at most 3/);
  for (let i = 0; i < 5; i++) expect((await verify('000000')).status).toBe(429);
  // Even the right code: the limit is per caller, not per guess.
  const code = await readDeliveredCode(api.engine.db, phone);
  expect((await verify(code)).status).toBe(429);
  expect(await attemptsOfChallenge()).toBe(3);

  // Another signup key is not affected.
  const other = await verify('000000', otherSignupKey);
  expect(other.status).toBe(200);
  expect(other.body).toMatchObject({ verified: false, attemptsLeft: 1 });
  expect(await attemptsOfChallenge()).toBe(4);

  // Next window (no real waiting): the first key passes again. Its refused
  // Idempotency-Key kept no answer, so the same key now runs the check.
  clock += WINDOW_MS;
  const again = await verify(code, undefined, blockedKey);
  expect(again.status).toBe(200);
  expect(again.headers.get('idempotent-replayed')).toBeNull();
  expect(again.body).toMatchObject({ verified: true, stage: 'awaiting_company_address' });
});

test('code sends: one client IP is cut off whichever key it uses, another IP with the same key passes', async () => {
  clock += WINDOW_MS;
  // Two sends from 203.0.113.7 (the phone steps of two upgrades), with two keys.
  const first = await awaitingCode('203.0.113.7');
  const resendHeaders = { 'x-forwarded-for': '203.0.113.7' };
  const resend = await api.call('POST', `/v1/trial-upgrades/${first.accountId}/code/resend`, {
    headers: resendHeaders,
    key: otherSignupKey,
    body: {},
  });
  // Counted, then refused by the workflow's own cooldown (the code was just sent).
  expect(resend.body.code).toBe('resend_cooldown');
  const outboxBefore = await api.engine.db.devOutboxMessage.count();

  const third = await api.call('POST', `/v1/trial-upgrades/${first.accountId}/code/resend`, {
    headers: resendHeaders,
    body: {},
  });
  expectRateLimited(third, { name: 'code_sends', caller: 'client_ip', max: 2, windowSeconds: 600 });
  const otherKeySameIp = await api.call(
    'POST',
    `/v1/trial-upgrades/${first.accountId}/code/resend`,
    { headers: resendHeaders, key: otherSignupKey, body: {} },
  );
  expect(otherKeySameIp.body.code).toBe('rate_limited');

  // Another address, same key: a send goes out.
  const second = await awaitingCode('203.0.113.8');
  expect(await api.engine.db.devOutboxMessage.count()).toBe(outboxBefore + 1);
  expect(second.phone).not.toBe(first.phone);

  // The next window: the address passes the limit again (the workflow's cooldown may answer).
  clock += WINDOW_MS;
  const afterReset = await api.call('POST', `/v1/trial-upgrades/${first.accountId}/code/resend`, {
    headers: resendHeaders,
    body: {},
  });
  expect(afterReset.body.code).not.toBe('rate_limited');
});

test('code redemptions: both promo-code routes count against one limit per IP; nothing is redeemed while refused', async () => {
  clock += WINDOW_MS;
  const ip = { 'x-forwarded-for': '192.0.2.44' };
  const accountId = await createAccount(api.engine.db, { status: 'upgraded' });
  const code = await createFundsCode(api.engine.db, { amount: '15.00' });
  const { accountId: trialAccount } = await awaitingCode('192.0.2.99');

  const unknown = await api.call('POST', `/v1/accounts/${accountId}/promo-codes`, {
    headers: ip,
    body: { code: 'NO-SUCH-CODE' },
  });
  expect(unknown.body.code).toBe('unknown_code');
  const pending = await api.call('PUT', `/v1/trial-upgrades/${trialAccount}/promo-code`, {
    headers: ip,
    body: { code: 'NO-SUCH-CODE-2' },
  });
  // Counted before the workflow answers (the code step comes later in the upgrade).
  expect(pending.body.code).toBe('step_out_of_order');

  const ledgerBefore = await ledgerRowCounts(api.engine.db);
  const refused = await api.call('POST', `/v1/accounts/${accountId}/promo-codes`, {
    headers: ip,
    body: { code },
  });
  expectRateLimited(refused, {
    name: 'code_redemptions',
    caller: 'client_ip',
    max: 2,
    windowSeconds: 600,
  });
  expect(await ledgerRowCounts(api.engine.db)).toEqual(ledgerBefore);
  expect(await api.engine.db.codeAttempt.count({ where: { accountId } })).toBe(1);

  // From another address the valid code redeems.
  const redeemed = await api.call('POST', `/v1/accounts/${accountId}/promo-codes`, {
    headers: { 'x-forwarded-for': '192.0.2.45' },
    body: { code },
  });
  expect(redeemed.status).toBe(200);
  expect(redeemed.body).toMatchObject({ fundsAdded: '15.00' });
});

test('the count is shared by API processes and exact under concurrency: 40 hits at once through two limiters, exactly the limit passes', async () => {
  // Two limiters on two connection pools: two API processes in front of one database.
  const second = createDatabase(api.engine.databaseUrl);
  try {
    const limits: ApiRateLimits = {
      windowMs: WINDOW_MS,
      limits: { ...LIMITS.limits, code_checks: { perApiKey: 10, perClientIp: 1000 } },
    };
    const at = () => new Date(clock);
    const processes = [
      createRateLimiter(api.engine.db, limits, at),
      createRateLimiter(second, limits, at),
    ];
    const caller = { apiKeyId: `key-${randomUUID().slice(0, 8)}`, ip: '198.51.100.200' };
    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => processes[i % 2]!.hit('code_checks', caller)),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    const counter = await api.engine.db.apiRateLimitCounter.findFirstOrThrow({
      where: { caller: `key:${caller.apiKeyId}` },
    });
    expect(counter.hits).toBe(40);
    // Windows older than the previous one are deleted as new ones are counted.
    clock += 2 * WINDOW_MS;
    await processes[0]!.hit('code_checks', caller);
    expect(
      await api.engine.db.apiRateLimitCounter.count({
        where: { windowStart: { lt: new Date(Math.floor(clock / WINDOW_MS - 1) * WINDOW_MS) } },
      }),
    ).toBe(0);
  } finally {
    await second.$disconnect();
  }
});
