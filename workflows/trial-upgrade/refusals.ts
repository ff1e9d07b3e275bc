import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { z } from 'zod';
import { parseInput } from '../../domain/contracts';
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
 * The business refusal inside an activity failure (e.g. the ledger's `code_expired`),
 * or null when the failure is not one (a timeout, an exhausted retry).
 */
export function refusalOf(err: unknown): ApplicationFailure | null {
  if (
    err instanceof ActivityFailure &&
    err.cause instanceof ApplicationFailure &&
    err.cause.nonRetryable
  ) {
    return err.cause;
  }
  return null;
}
