/**
 * The verification-code steps (seed 000, phone verification) on the real
 * database: issueVerificationCode writes a challenge in one statement and
 * checkVerificationCode counts a try and stores its answer in one transaction
 * on the locked challenge. Retries give the first answer; tries past the limit
 * are never counted, however many arrive at once.
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import {
  createDevOutboxSender,
  createVerificationActivities,
  sealCode,
  type VerificationActivities,
} from '../../../activities/verification';
import type { Database } from '../../../activities/database';
import { createAccount } from '../../support/ledger-fixtures';
import { createTestDatabase } from '../../support/integration';

jest.setTimeout(60_000);

const HASH_KEY = 'test-hash-key';
const SEAL_KEY = 'test-seal-key-0123456789abcdef0123456789';
const AT = '2026-12-01T10:00:00.000Z';
const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> =>
  env.run(fn, ...args);

let database: { db: Database; drop: () => Promise<void> };
let acts: VerificationActivities;
beforeAll(async () => {
  database = await createTestDatabase();
  acts = createVerificationActivities(database.db, {
    sender: createDevOutboxSender(database.db),
    hashKey: HASH_KEY,
    sealKey: SEAL_KEY,
  });
});
afterAll(async () => {
  await database?.drop();
  await Runtime.instance().shutdown();
});

let phones = 0;
async function issued(operationKey: string) {
  const accountId = await createAccount(database.db, { status: 'trial' });
  const phoneE164 = `+8190${String(++phones).padStart(8, '0')}`;
  const input = {
    accountId,
    phoneE164,
    channel: 'sms' as const,
    ttlMs: 600_000,
    at: AT,
    operationKey,
  };
  const challenge = await run(acts.issueVerificationCode, input);
  return { input, challenge, code: await lastCode(phoneE164) };
}

async function lastCode(phoneE164: string): Promise<string> {
  const message = await database.db.devOutboxMessage.findFirstOrThrow({
    where: { phoneE164 },
    orderBy: { id: 'desc' },
  });
  return /code is (\d+)\./.exec(message.body)?.[1] ?? '';
}

const check = (challengeId: string, code: string, operationKey: string, at = AT) =>
  run(acts.checkVerificationCode, {
    challengeId,
    sealedCode: sealCode(SEAL_KEY, code),
    maxAttempts: 3,
    at,
    operationKey,
  });

test('a retry before any try sends a new code over the same challenge; only the latest code works', async () => {
  const { input, challenge, code: first } = await issued('vc-retry:send-code:1');
  const again = await run(acts.issueVerificationCode, input);
  expect(again).toEqual(challenge);
  const second = await lastCode(input.phoneE164);
  expect(await database.db.devOutboxMessage.count({ where: { phoneE164: input.phoneE164 } })).toBe(
    2,
  );
  const stale =
    first === second ? null : await check(challenge.challengeId, first, 'vc-retry:verify:1');
  if (stale) expect(stale).toMatchObject({ outcome: 'wrong_code', attemptsLeft: 2 });
  expect(await check(challenge.challengeId, second, 'vc-retry:verify:2')).toMatchObject({
    outcome: 'verified',
  });
});

test('a retry after a try returns the same challenge and sends nothing', async () => {
  const { input, challenge } = await issued('vc-tried:send-code:1');
  await check(challenge.challengeId, '000000', 'vc-tried:verify:1');
  const row = await database.db.verificationChallenge.findUniqueOrThrow({
    where: { id: challenge.challengeId },
  });
  expect(await run(acts.issueVerificationCode, input)).toEqual(challenge);
  expect(await database.db.devOutboxMessage.count({ where: { phoneE164: input.phoneE164 } })).toBe(
    1,
  );
  expect(
    await database.db.verificationChallenge.findUniqueOrThrow({
      where: { id: challenge.challengeId },
    }),
  ).toEqual(row);
});

test('a check retried with its key returns the first answer and counts one try; another check under that key is refused', async () => {
  const { challenge, code } = await issued('vc-check:send-code:1');
  const first = await check(challenge.challengeId, code, 'vc-check:verify:1');
  expect(first).toEqual({ outcome: 'verified', attemptsLeft: 2, verifiedAt: AT });
  expect(await check(challenge.challengeId, code, 'vc-check:verify:1')).toEqual(first);
  const row = await database.db.verificationChallenge.findUniqueOrThrow({
    where: { id: challenge.challengeId },
  });
  expect(row).toMatchObject({ attempts: 1, verifiedAt: new Date(AT) });

  const reused = await check(
    challenge.challengeId,
    code,
    'vc-check:verify:1',
    '2026-12-01T10:01:00.000Z',
  ).catch((err: unknown) => err);
  expect(reused).toBeInstanceOf(ApplicationFailure);
  expect(reused).toMatchObject({ type: 'operation_key_reused', nonRetryable: true });
  expect(
    await database.db.verificationChallenge.findUniqueOrThrow({
      where: { id: challenge.challengeId },
    }),
  ).toEqual(row);
});

test('an expired code costs no try; an unknown challenge is refused', async () => {
  const { challenge, code } = await issued('vc-expired:send-code:1');
  expect(
    await check(challenge.challengeId, code, 'vc-expired:verify:1', '2026-12-01T10:10:00.000Z'),
  ).toEqual({
    outcome: 'expired',
    attemptsLeft: 3,
    verifiedAt: null,
  });
  const row = await database.db.verificationChallenge.findUniqueOrThrow({
    where: { id: challenge.challengeId },
  });
  expect(row.attempts).toBe(0);
  await expect(check('vc_missing', code, 'vc-expired:verify:2')).rejects.toMatchObject({
    type: 'challenge_not_found',
  });
});

test('eight wrong tries at once on a 3-try code: exactly three are counted, the rest find no tries left', async () => {
  const { challenge, code } = await issued('vc-burst:send-code:1');
  const wrong = code === '000000' ? '111111' : '000000';
  const answers = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      check(challenge.challengeId, wrong, `vc-burst:verify:${i}`),
    ),
  );
  expect(answers.map((a) => a.outcome).sort()).toEqual([
    ...Array<string>(5).fill('no_attempts_left'),
    ...Array<string>(3).fill('wrong_code'),
  ]);
  expect(
    answers
      .filter((a) => a.outcome === 'wrong_code')
      .map((a) => a.attemptsLeft)
      .sort(),
  ).toEqual([0, 1, 2]);
  const row = await database.db.verificationChallenge.findUniqueOrThrow({
    where: { id: challenge.challengeId },
  });
  expect(row.attempts).toBe(3);
  expect(await check(challenge.challengeId, code, 'vc-burst:verify:9')).toMatchObject({
    outcome: 'no_attempts_left',
  });
  expect(
    await database.db.operation.count({ where: { key: { startsWith: 'vc-burst:verify:' } } }),
  ).toBe(9);
});
