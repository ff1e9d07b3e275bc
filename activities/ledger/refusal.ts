import { ApplicationFailure } from '@temporalio/common';
import { MoneyError, TimeError, parseInput } from '../../domain';
import type { z } from 'zod';
import type { LedgerRefusalCode } from './types';

/**
 * A business refusal: the ledger said no and changed nothing. Raised inside
 * operations (which roll back), turned into a non-retryable ApplicationFailure at
 * the activity edge so Temporal does not retry what cannot succeed.
 */
export class LedgerRefusal extends Error {
  override readonly name = 'LedgerRefusal';
  constructor(
    readonly code: LedgerRefusalCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** No account with this id (every operation on one account refuses the same way). */
export const accountNotFound = (accountId: string): LedgerRefusal =>
  new LedgerRefusal('account_not_found', `no account ${accountId}`, { accountId });

/** No coupon with this id. */
export const couponNotFound = (couponId: string): LedgerRefusal =>
  new LedgerRefusal('coupon_not_found', `no coupon ${couponId}`, { couponId });

/** Parses untrusted input; a bad one is refused as `invalid_input` naming each field. */
export function parseLedgerInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = parseInput(schema, input);
  if (!parsed.ok)
    throw new LedgerRefusal('invalid_input', parsed.message, { fields: parsed.errors });
  return parsed.value;
}

/**
 * Refusals become non-retryable failures typed by their code; a domain money or
 * time error means the input slipped past validation (also non-retryable). Any
 * other error (database down, timeout) stays retryable.
 */
export function toActivityError(err: unknown): unknown {
  if (err instanceof LedgerRefusal) {
    return ApplicationFailure.nonRetryable(err.message, err.code, err.details);
  }
  if (err instanceof MoneyError || err instanceof TimeError) {
    return ApplicationFailure.nonRetryable(err.message, 'invalid_input', { fields: [] });
  }
  return err;
}
