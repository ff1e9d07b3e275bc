/**
 * Abuse limit on code guessing (issue 9, docs/rules.md §Code attempts): an
 * account's failed promo / coupon code attempts (unknown, not yet valid, expired
 * or used-up code) are counted in PostgreSQL over a sliding window. At the limit,
 * further attempts are refused `too_many_attempts` before the code is looked up,
 * until the oldest counted failure leaves the window (`retryAt`). The guessed code
 * itself is not stored.
 */
import { randomUUID } from 'node:crypto';
import { toEpochMs } from '../../domain';
import type { Database } from '../database';
import type { Tx } from './operation';
import { LedgerRefusal } from './refusal';
import type { LedgerRefusalCode } from './types';

export interface CodeAttemptLimits {
  /** Failed attempts one account may make within the window. */
  maxFailures: number;
  windowMs: number;
}

/** The defaults of CODE_ATTEMPT_MAX / CODE_ATTEMPT_WINDOW (worker/config.ts). */
export const DEFAULT_CODE_ATTEMPT_LIMITS: CodeAttemptLimits = {
  maxFailures: 10,
  windowMs: 60 * 60 * 1000,
};

/** Refusals that mean "this code is not a usable code": what a guesser gets. */
const GUESS_FAILURES: ReadonlySet<LedgerRefusalCode> = new Set<LedgerRefusalCode>([
  'unknown_code',
  'code_not_yet_valid',
  'code_expired',
  'code_exhausted',
]);

export async function refuseIfTooManyAttempts(
  tx: Tx,
  accountId: string,
  at: string,
  limits: CodeAttemptLimits,
): Promise<void> {
  const atMs = toEpochMs(at);
  // The window is (at - windowMs, at]: the newest maxFailures failures in it.
  const recent = await tx.codeAttempt.findMany({
    where: { accountId, at: { gt: new Date(atMs - limits.windowMs), lte: new Date(atMs) } },
    orderBy: { at: 'desc' },
    take: limits.maxFailures,
    select: { at: true },
  });
  const oldestCounted = recent[limits.maxFailures - 1];
  if (!oldestCounted) return;
  // When that failure leaves the window, one attempt is free again.
  const retryAt = new Date(oldestCounted.at.getTime() + limits.windowMs).toISOString();
  throw new LedgerRefusal(
    'too_many_attempts',
    `too many failed code attempts for account ${accountId}; try again at ${retryAt}`,
    { accountId, retryAt },
  );
}

/**
 * Records a guessing failure in its own transaction: the refused operation's
 * transaction rolls back, the count must not.
 */
export async function recordFailedAttempt(
  db: Database,
  accountId: string,
  at: string,
  reason: LedgerRefusalCode,
): Promise<void> {
  if (!GUESS_FAILURES.has(reason)) return;
  await db.codeAttempt.create({
    data: { id: `att-${randomUUID()}`, accountId, reason, at: new Date(toEpochMs(at)) },
  });
}
