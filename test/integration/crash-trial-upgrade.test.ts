/**
 * Issue 9, crash and restart: the worker runs as a separate process and is
 * killed with SIGKILL before or after an activity that writes (the promo
 * credit, the upgrade itself); another worker process takes over. The upgrade
 * completes and every write happened exactly once.
 */
import {
  confirmUpgrade,
  createTrialAccount,
  submitBillingAddress,
  submitCompanyAddress,
  submitPaymentMethod,
  submitPhone,
  submitPromoCode,
  verifyCode,
} from '../../client/trial-upgrade';
import { checkLedgerConsistency } from '../../activities/ledger/consistency';
import { createTestEngine, type TestEngine } from '../support/integration';
import { createFundsCode } from '../support/ledger-fixtures';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process';

// Each crash waits out the activity's 10 s start-to-close timeout before the retry.
jest.setTimeout(120_000);

let engine: TestEngine;
const workers: WorkerProcess[] = [];
beforeAll(async () => {
  engine = await createTestEngine();
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  expect(await checkLedgerConsistency(engine.db)).toEqual({ ok: true, coupons: [], accounts: [] });
});
afterAll(async () => {
  await engine?.close();
});

function worker(crashAt?: string): WorkerProcess {
  const started = startWorkerProcess({
    databaseUrl: engine.databaseUrl,
    taskQueue: engine.taskQueue,
    ...(crashAt ? { crashAt } : {}),
  });
  workers.push(started);
  return started;
}

let seq = 0;
/** Every step up to "Upgrade Account", with a promo code that serves the upgrade. */
async function readyForConfirm(code: string): Promise<string> {
  const { accountId } = await createTrialAccount(engine, {
    displayName: 'Crash KK',
    email: 'crash@example.test',
  });
  const phone = `+8170${String(Date.now() % 1_000_000).padStart(6, '0')}${String(seq++).padStart(2, '0')}`;
  await submitPhone(engine, { accountId, phone, channel: 'sms' });
  const message = await engine.db.devOutboxMessage.findFirstOrThrow({
    where: { phoneE164: phone },
    orderBy: { id: 'desc' },
  });
  await verifyCode(engine, { accountId, code: /code is (\d+)\./.exec(message.body)?.[1] ?? '' });
  const address = {
    country: 'JP',
    line1: '1-2-3 Marunouchi',
    city: 'Tokyo',
    postalCode: '100-0005',
  };
  await submitCompanyAddress(engine, { accountId, address });
  await submitBillingAddress(engine, { accountId, sameAsCompany: true });
  await submitPaymentMethod(engine, {
    accountId,
    method: {
      type: 'card',
      number: '4242424242424242',
      expMonth: 12,
      expYear: new Date().getUTCFullYear() + 2,
      cvc: '123',
      holderName: 'Crash',
    },
  });
  await submitPromoCode(engine, { accountId, code });
  return accountId;
}

test.each([
  ['redeemCode:before', 'the promo credit had not been written'],
  ['redeemCode:after', 'the promo credit was committed but Temporal never heard'],
  ['completeTrialUpgrade:after', 'the upgrade was committed but Temporal never heard'],
])('worker killed at %s (%s): the upgrade completes, credit granted once', async (crashAt) => {
  const code = `CRASH${seq}${Date.now() % 100000}`;
  await createFundsCode(engine.db, { code, amount: '50.00' });
  const first = worker(crashAt);
  await first.ready;
  const accountId = await readyForConfirm(code);

  const confirming = confirmUpgrade(engine, { accountId });
  expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
  expect(first.output()).toContain(`crash ${crashAt}`);
  const second = worker();
  await second.ready;

  const summary = await confirming;
  expect(summary).toMatchObject({ promoCode: { code }, automaticRechargeEnabled: false });
  const account = await engine.db.account.findUniqueOrThrow({ where: { id: accountId } });
  expect(account.status).toBe('upgraded');
  expect(account.automaticRechargeEnabled).toBe(false);
  expect(account.fundsBalance.toString()).toBe('50');
  expect(await engine.db.codeRedemption.count({ where: { accountId } })).toBe(1);
  expect(await engine.db.fundsMovement.count({ where: { accountId } })).toBe(1);
  expect(await engine.db.payment.count({ where: { accountId } })).toBe(0);
});
