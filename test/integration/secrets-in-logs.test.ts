/**
 * Issue 9, "secrets never reach logs": the worker (a separate process with the
 * production pino logger at DEBUG, as worker/main.ts installs it) and the HTTP
 * API (pino at DEBUG into a captured stream) while a trial upgrade runs through
 * the API with a card and a promo code, and then an order is paid with another
 * card. Neither output may hold a verification code, card number, CVC, gateway
 * token, API key secret or sealed code.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { issueApiKey } from '../../api/keys';
import { buildApiServer } from '../../api/server';
import { createOrder, payOrder } from '../../client/orders';
import { createEngineLogger } from '../../worker/logging';
import { createTestEngine, type TestEngine } from '../support/integration';
import { createFundsCode } from '../support/ledger-fixtures';
import {
  TEST_ADDRESS,
  TEST_CARD,
  newTestPhone,
  readDeliveredCode,
} from '../support/trial-upgrade-steps';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process';

jest.setTimeout(120_000);

let engine: TestEngine;
let workerProcess: WorkerProcess;
let app: FastifyInstance;
let url: string;
let apiLog = '';
beforeAll(async () => {
  engine = await createTestEngine();
  workerProcess = startWorkerProcess({
    databaseUrl: engine.databaseUrl,
    taskQueue: engine.taskQueue,
    logLevel: 'DEBUG',
  });
  await workerProcess.ready;
  app = await buildApiServer({
    db: engine.db,
    engine: { client: engine.client, taskQueue: engine.taskQueue },
    logger: createEngineLogger('DEBUG', { write: (line: string) => void (apiLog += line) }),
    codec: { keyring: engine.keyring, corsOrigins: ['http://localhost:8233'] },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  await app?.close();
  await workerProcess?.stop();
  await engine?.close();
});

/**
 * Every string a log line holds (JSON lines parsed; other lines as they are).
 * Numbers (times, durations) are left out: a CVC such as 123 could be a duration.
 */
function loggedText(log: string): string {
  const strings: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') strings.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        strings.push(key);
        walk(inner);
      }
    }
  };
  for (const line of log.split('\n')) {
    try {
      walk(JSON.parse(line));
    } catch {
      strings.push(line);
    }
  }
  return strings.join('\n');
}

const ORDER_CARD = { ...TEST_CARD, number: '5555555555554444', cvc: '987', holderName: 'B. Yer' };

test('a trial upgrade with a card and a promo code, then an order payment: no secret in the worker or API logs', async () => {
  const accountId = 'acct-secret-logs';
  const phone = newTestPhone('+1415559');
  await createFundsCode(engine.db, { code: 'LOGS-UPGRADE25', amount: '25.00' });
  const { key: apiKey } = await issueApiKey(engine.db, {
    id: 'test-logs-signup',
    service: 'signup',
    scopes: ['signup'],
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${apiKey}`,
        'idempotency-key': randomUUID(),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    expect({ path, status: response.status }).toEqual({ path, status: 200 });
    return (await response.json()) as Record<string, unknown>;
  };

  const upgrade = `/v1/trial-upgrades/${accountId}`;
  await call('POST', '/v1/trial-upgrades', {
    accountId,
    displayName: accountId,
    email: `${accountId}@example.com`,
  });
  await call('POST', `${upgrade}/phone`, { phone, channel: 'sms' });
  const firstCode = await readDeliveredCode(engine.db, phone);
  const wrongCode = firstCode === '999999' ? '999998' : '999999';
  // A wrong try logs a refusal path too.
  expect(await call('POST', `${upgrade}/code/verify`, { code: wrongCode })).toMatchObject({
    verified: false,
  });
  expect(await call('POST', `${upgrade}/code/verify`, { code: firstCode })).toMatchObject({
    verified: true,
  });
  await call('POST', `${upgrade}/company-address`, TEST_ADDRESS);
  await call('POST', `${upgrade}/billing-address`, { sameAsCompany: true });
  await call('POST', `${upgrade}/payment-method`, TEST_CARD);
  await call('PUT', `${upgrade}/promo-code`, { code: 'LOGS-UPGRADE25' });
  expect(await call('POST', `${upgrade}/confirm`)).toMatchObject({ status: 'upgraded' });

  const ctx = { client: engine.client, taskQueue: engine.taskQueue };
  const orderId = `ord-logs-${randomUUID().slice(0, 8)}`;
  await createOrder(ctx, {
    orderId,
    accountId,
    commodityCode: 'ecs',
    orderType: 'new_purchase',
    amount: '40.00',
    currency: 'USD',
    durationMonths: 1,
  });
  expect(await payOrder(ctx, { orderId, method: ORDER_CARD })).toMatchObject({ paid: true });

  // What a leak would contain, read from the rows the run left.
  const tokens = [
    ...(await engine.db.paymentMethod.findMany({ where: { accountId } })).map((m) => m.token),
    ...(await engine.db.payment.findMany({ where: { accountId } })).map((p) => p.methodToken),
  ];
  expect(tokens.length).toBeGreaterThanOrEqual(3);
  const [, apiKeySecret] = apiKey.split('.');
  expect(apiKeySecret?.length).toBeGreaterThan(10);
  const secrets: Array<[string, RegExp]> = [
    ['verification code', new RegExp(`(?<![A-Za-z0-9])${firstCode}(?![A-Za-z0-9])`)],
    ['wrong verification code', new RegExp(`(?<![A-Za-z0-9])${wrongCode}(?![A-Za-z0-9])`)],
    ['upgrade card number', new RegExp(TEST_CARD.number)],
    ['order card number', new RegExp(ORDER_CARD.number)],
    ['upgrade CVC', new RegExp(`(?<![A-Za-z0-9])${TEST_CARD.cvc}(?![A-Za-z0-9])`)],
    ['order CVC', new RegExp(`(?<![A-Za-z0-9])${ORDER_CARD.cvc}(?![A-Za-z0-9])`)],
    ['API key', new RegExp(apiKey.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))],
    ['API key secret', new RegExp(String(apiKeySecret).replace(/[.*+?^${}()|[\]\\-]/g, '\\$&'))],
    ['sealed code', /\bv1\.[A-Za-z0-9_-]{40,}/],
    ...tokens.map((token, i): [string, RegExp] => [`gateway token ${i}`, new RegExp(token)]),
  ];

  // Stopped first, so every line it wrote has arrived.
  await workerProcess.stop();
  const workerLog = workerProcess.output();
  // The logs are real and full: JSON lines from both, naming the work that ran.
  for (const [name, log] of [
    ['worker', workerLog],
    ['api', apiLog],
  ] as const) {
    const lines = log.split('\n').filter((l) => l.startsWith('{'));
    expect({ name, lines: lines.length }).toEqual({ name, lines: expect.any(Number) });
    expect(lines.length).toBeGreaterThan(5);
  }
  expect(workerLog).toContain('checkVerificationCode');
  expect(workerLog).toContain('chargePayment');
  expect(apiLog).toContain(`${upgrade}/code/verify`);
  const workerText = loggedText(workerLog);
  const apiText = loggedText(apiLog);
  for (const [name, pattern] of secrets) {
    expect({ name, worker: pattern.test(workerText), api: pattern.test(apiText) }).toEqual({
      name,
      worker: false,
      api: false,
    });
  }
});
