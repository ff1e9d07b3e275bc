import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { z } from 'zod';
import { parseInput } from '../../domain/parse';
import type { UpgradeRefusalCode } from './messages';

/** A business refusal: non-retryable, typed, with details a client can read. */
export function refusal(
  type: UpgradeRefusalCode | string,
  message: string,
  details: Record<string, unknown> = {},
): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: [details] });
}

/** Parses an update's input; a bad one is refused naming each field. */
export function parseOrRefuse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = parseInput(schema, input);
  if (!parsed.ok) {
    throw refusal('invalid_input', parsed.message, { fields: parsed.errors });
  }
  return parsed.value;
}

/**
 * The business refusal of an activity (e.g. the ledger's `code_expired`), or null
 * when the failure is not one (a timeout, an exhausted retry). An activity task's
 * failure wraps it in an ActivityFailure; a local activity's arrives as it was thrown.
 */
export function refusalOf(err: unknown): ApplicationFailure | null {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.nonRetryable) return cause;
  return null;
}
