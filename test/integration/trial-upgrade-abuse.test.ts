/**
 * Issue 9, abuse limits through the real trial upgrade: a brute force of promo
 * codes is cut off by the per-account limit on failed code attempts (ledger,
 * PostgreSQL), and a brute force of the 1,000,000 six-digit verification codes
 * by the per-code tries and the lockout (workflow + activity). Both are checked
 * on rows and on the workflow history (no further check activity runs).
 */
import type { Worker } from '@temporalio/worker';
import {
  confirmUpgrade,
  createTrialAccount,
  resendCode,
  submitBillingAddress,
  submitCompanyAddress,
  submitPaymentMethod,
  submitPhone,
  submitPromoCode,
  TrialUpgradeRefusal,
  verifyCode,
} from '../../client/trial-upgrade';
import { DEFAULT_CODE_ATTEMPT_LIMITS } from '../../activities/ledger/attempts';
import { trialUpgradeWorkflowId } from '../../workflows/ids';
import { activityRuns } from '../support/history';
import { createTestEngine, type TestEngine } from '../support/integration';
import { createFundsCode } from '../support/ledger-fixtures';
import {
  TEST_ADDRESS,
  TEST_CARD,
  newTestPhone,
  readDeliveredCode,
} from '../support/trial-upgrade-steps';

jest.setTimeout(90_000);

let engine: TestEngine;
let worker: Worker;
let running: Promise<void>;
beforeAll(async () => {
  engine = await createTestEngine();
  worker = await engine.createWorker();
  running = worker.run();
  await createFundsCode(engine.db, { code: 'ABUSE-UPGRADE50', amount: '50.00' });
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await engine?.close();
});

async function refusalOf(promise: Promise<unknown>): Promise<TrialUpgradeRefusal> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TrialUpgradeRefusal) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

/** How many times the workflow ran `activity` (its history, not a counter of ours; local or not). */
async function scheduled(accountId: string, activity: string): Promise<number> {
  const history = await engine.client.workflow
    .getHandle(trialUpgradeWorkflowId(accountId))
    .fetchHistory();
  return activityRuns(history).filter((run) => run.activityType === activity).length;
}

async function trialWithCodeSent(accountId: string): Promise<string> {
  const phone = newTestPhone('+1415557');
  await createTrialAccount(engine, {
    accountId,
    displayName: accountId,
    email: `${accountId}@example.com`,
  });
  await submitPhone(engine, { accountId, phone });
  return phone;
}

describe('brute force of promo codes during the upgrade', () => {
  test(`after ${DEFAULT_CODE_ATTEMPT_LIMITS.maxFailures} unknown codes even a valid code is refused too_many_attempts; the upgrade still completes`, async () => {
    const accountId = 'acct-abuse-promo';
    const phone = await trialWithCodeSent(accountId);
    await verifyCode(engine, { accountId, code: await readDeliveredCode(engine.db, phone) });
    await submitCompanyAddress(engine, { accountId, address: TEST_ADDRESS });
    await submitBillingAddress(engine, { accountId, sameAsCompany: true });
    await submitPaymentMethod(engine, { accountId, method: TEST_CARD });

    const max = DEFAULT_CODE_ATTEMPT_LIMITS.maxFailures;
    for (let i = 0; i < max; i++) {
      const guess = `PROMO${String(i).padStart(4, '0')}`;
      const refused = await refusalOf(submitPromoCode(engine, { accountId, code: guess }));
      expect(refused).toMatchObject({ code: 'unknown_code', details: { field: 'code' } });
    }
    expect(await engine.db.codeAttempt.count({ where: { accountId } })).toBe(max);

    const locked = await refusalOf(submitPromoCode(engine, { accountId, code: 'ABUSE-UPGRADE50' }));
    expect(locked.code).toBe('too_many_attempts');
    expect(locked.details).toMatchObject({ field: 'code', retryAt: expect.any(String) });
    const retryAt = Date.parse(locked.details.retryAt ?? '');
    expect(retryAt).toBeGreaterThan(Date.now() + DEFAULT_CODE_ATTEMPT_LIMITS.windowMs - 120_000);
    for (let i = 0; i < 5; i++) {
      expect((await refusalOf(submitPromoCode(engine, { accountId, code: `MORE${i}` }))).code).toBe(
        'too_many_attempts',
      );
    }
    // Refusals while locked out are not counted, and nothing was redeemed.
    expect(await engine.db.codeAttempt.count({ where: { accountId } })).toBe(max);
    expect(await engine.db.codeRedemption.count({ where: { accountId } })).toBe(0);

    // The upgrade itself is not blocked: without a promo code it completes.
    const summary = await confirmUpgrade(engine, { accountId });
    expect(summary).toMatchObject({ status: 'upgraded' });
    expect(summary.promoCode ?? null).toBeNull();
    expect(
      (
        await engine.db.account.findUniqueOrThrow({ where: { id: accountId } })
      ).fundsBalance.toString(),
    ).toBe('0');
  });
});

describe('brute force of the verification code (1,000,000 possible codes)', () => {
  test('cut off after 5 wrong tries: locked, and no further check activity runs', async () => {
    const accountId = 'acct-abuse-verify';
    const phone = await trialWithCodeSent(accountId);
    const delivered = await readDeliveredCode(engine.db, phone);
    // A guesser walking the code space from 000000, skipping the real code.
    const guesses = Array.from({ length: 20 }, (_, i) => String(i).padStart(6, '0')).filter(
      (g) => g !== delivered,
    );

    const answers = [];
    for (const code of guesses.slice(0, 5))
      answers.push(await verifyCode(engine, { accountId, code }));
    expect(answers.map((a) => [a.verified, a.attemptsLeft])).toEqual([
      [false, 4],
      [false, 3],
      [false, 2],
      [false, 1],
      [false, 0],
    ]);
    expect(answers[4]?.lockedUntil).toEqual(expect.any(String));

    // Every further guess, even the right code, is refused before any check.
    for (const code of [...guesses.slice(5, 15), delivered]) {
      const refused = await refusalOf(verifyCode(engine, { accountId, code }));
      expect(refused.code).toBe('verification_locked');
      expect(refused.details.retryAt).toEqual(answers[4]?.lockedUntil);
    }
    // No way around the lock: a new code or a new number are refused too.
    expect((await refusalOf(resendCode(engine, { accountId }))).code).toBe('verification_locked');
    expect(
      (await refusalOf(submitPhone(engine, { accountId, phone: newTestPhone('+1415558') }))).code,
    ).toBe('verification_locked');

    expect(await scheduled(accountId, 'checkVerificationCode')).toBe(5);
    const challenges = await engine.db.verificationChallenge.findMany({ where: { accountId } });
    expect(challenges.map((c) => [c.attempts, c.verifiedAt])).toEqual([[5, null]]);
    const account = await engine.db.account.findUniqueOrThrow({ where: { id: accountId } });
    expect(account.status).toBe('trial');
  });
});
