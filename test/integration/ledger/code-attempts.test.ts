/**
 * Issue 9, abuse limits: failed promo / coupon code attempts are counted per
 * account in PostgreSQL; at the limit every code attempt (even a valid code) is
 * refused `too_many_attempts` with retryAt, until the window passes.
 */
import { createLedgerActivities } from '../../../activities/ledger/activities';
import { useLedgerDatabase } from '../../support/ledger-harness';
import {
  T0,
  createAccount,
  createFundsCode,
  detailsOf,
  ledgerRowCounts,
  refusalOf,
  uid,
} from '../../support/ledger-fixtures';

jest.setTimeout(60_000);
const t = useLedgerDatabase();

const HOUR = 3_600_000;
const after = (ms: number): string => new Date(Date.parse(T0) + ms).toISOString();
/** Three failures an hour, so the tests stay short. */
const limits = { maxFailures: 3, windowMs: HOUR };
const ledger = () => createLedgerActivities(t.db, limits);
const attemptsOf = (accountId: string) =>
  t.db.codeAttempt.findMany({ where: { accountId }, orderBy: { at: 'asc' } });

describe('failed code attempts per account', () => {
  test('3 unknown codes lock redemption until the oldest failure is an hour old, even for a valid code', async () => {
    const accountId = await createAccount(t.db, { funds: '5.00' });
    const valid = await createFundsCode(t.db, { amount: '25.00' });
    const redeem = (code: string, at: string) =>
      ledger().redeemCode({ accountId, code, at, purpose: 'add_funds', operationKey: uid('op') });

    for (const [i, guess] of ['GUESS-0001', 'GUESS-0002', 'GUESS-0003'].entries()) {
      expect((await refusalOf(redeem(guess, after(i * 60_000)))).type).toBe('unknown_code');
    }
    // Recorded although each refusal rolled its operation back; the guesses are not stored.
    const attempts = await attemptsOf(accountId);
    expect(attempts.map((a) => [a.reason, a.at.toISOString()])).toEqual([
      ['unknown_code', T0],
      ['unknown_code', after(60_000)],
      ['unknown_code', after(120_000)],
    ]);
    expect(JSON.stringify(attempts)).not.toContain('GUESS');

    const before = await ledgerRowCounts(t.db);
    const locked = await refusalOf(redeem(valid, after(10 * 60_000)));
    expect(locked.type).toBe('too_many_attempts');
    expect(detailsOf(locked)).toEqual({ accountId, retryAt: after(HOUR) });
    // An unknown code gets the same answer: the code is not looked up.
    const lockedGuess = await refusalOf(redeem('GUESS-0004', after(HOUR - 1)));
    expect(lockedGuess.type).toBe('too_many_attempts');
    expect(
      await ledger().checkCode({ accountId, code: valid, at: after(30 * 60_000) }),
    ).toMatchObject({ ok: false, reason: 'too_many_attempts', retryAt: after(HOUR) });
    // Nothing written, and refusals while locked out are not counted (the lock ends on time).
    expect(await ledgerRowCounts(t.db)).toEqual(before);
    expect(await t.db.codeAttempt.count({ where: { accountId } })).toBe(3);
    const row = await t.db.redemptionCode.findUniqueOrThrow({ where: { code: valid } });
    expect(row.redemptionCount).toBe(0);

    // At retryAt the first failure has left the window: the valid code redeems.
    const redeemed = await redeem(valid, after(HOUR));
    expect(redeemed).toMatchObject({ code: valid, fundsAdded: '25.00', fundsBalance: '30.00' });
    // Two failures are still in the window: one more failure locks again, until the second is an hour old.
    expect((await refusalOf(redeem('GUESS-0005', after(HOUR + 1)))).type).toBe('unknown_code');
    const relocked = await refusalOf(redeem(valid, after(HOUR + 2)));
    expect(detailsOf(relocked)).toEqual({ accountId, retryAt: after(HOUR + 60_000) });
  });

  test('unknown, expired, not-yet-valid and used-up codes count, through checkCode as well; other refusals do not', async () => {
    const accountId = await createAccount(t.db, { funds: '5.00' });
    const expired = await createFundsCode(t.db, { validUntil: T0 });
    const exhausted = await createFundsCode(t.db, { maxRedemptions: 1, redemptionCount: 1 });
    const euro = await createFundsCode(t.db, { currency: 'EUR' });
    const valid = await createFundsCode(t.db, { amount: '1.00' });

    // A real code the account cannot use (wrong currency) is not a guess.
    for (let i = 0; i < 5; i++) {
      expect(await ledger().checkCode({ accountId, code: euro, at: T0 })).toMatchObject({
        reason: 'code_currency_mismatch',
      });
    }
    expect(await ledger().checkCode({ accountId, code: valid, at: T0 })).toMatchObject({
      ok: true,
    });
    expect(await ledger().checkCode({ accountId, code: expired, at: T0 })).toMatchObject({
      reason: 'code_expired',
    });
    expect(await ledger().checkCode({ accountId, code: exhausted, at: T0 })).toMatchObject({
      reason: 'code_exhausted',
    });
    expect(await ledger().checkCode({ accountId, code: 'NOPE', at: T0 })).toMatchObject({
      reason: 'unknown_code',
    });
    expect((await attemptsOf(accountId)).map((a) => a.reason).sort()).toEqual([
      'code_exhausted',
      'code_expired',
      'unknown_code',
    ]);
    expect(await ledger().checkCode({ accountId, code: valid, at: T0 })).toMatchObject({
      ok: false,
      reason: 'too_many_attempts',
      retryAt: after(HOUR),
    });
  });

  test('the limit is per account, and a completed redemption still replays while locked out', async () => {
    const guesser = await createAccount(t.db);
    const other = await createAccount(t.db);
    const code = await createFundsCode(t.db, { amount: '2.00' });
    const input = {
      accountId: guesser,
      code,
      at: T0,
      purpose: 'add_funds' as const,
      operationKey: uid('op'),
    };
    const done = await ledger().redeemCode(input);
    for (let i = 0; i < 3; i++) {
      await ledger().checkCode({ accountId: guesser, code: `NOPE-${i}`, at: T0 });
    }
    expect(await ledger().checkCode({ accountId: guesser, code, at: T0 })).toMatchObject({
      reason: 'too_many_attempts',
    });
    // A retry of the redemption that succeeded before the lock returns its stored result.
    expect(await ledger().redeemCode(input)).toEqual(done);
    // Another account is not affected.
    expect(
      await ledger().redeemCode({ ...input, accountId: other, operationKey: uid('op') }),
    ).toMatchObject({ code, fundsAdded: '2.00' });
  });

  test('the default limit is 10 failures an hour', async () => {
    const accountId = await createAccount(t.db);
    for (let i = 0; i < 10; i++) {
      expect(
        await t.ledger.checkCode({ accountId, code: `NOPE-${i}`, at: after(i) }),
      ).toMatchObject({ reason: 'unknown_code' });
    }
    expect(await t.ledger.checkCode({ accountId, code: 'NOPE-10', at: after(10) })).toMatchObject({
      reason: 'too_many_attempts',
      retryAt: after(HOUR),
    });
  });
});
