/**
 * Card or PayPal details are tokenized here, in the caller's process, with the
 * payment gateway (PAYMENT_PROVIDER); only the token, brand, last four and
 * expiry go on to a workflow, so raw card data never enters its history.
 * Shared by the trial-upgrade, order and bill clients.
 */
import { randomUUID } from 'node:crypto';
import type { FieldError } from '../domain/contracts';
import {
  createPaymentGateway,
  InvalidPaymentMethodError,
  type PaymentGateway,
  type RawPaymentMethod,
  type TokenizedPaymentMethod,
} from '../activities/payment';
import { upgradeSettingsFromEnv } from '../worker/config';

export async function tokenizePaymentMethod(input: {
  gateway?: PaymentGateway;
  method: RawPaymentMethod;
  /** The workflow the method is for; with the update id it makes the gateway's idempotency key. */
  workflowId: string;
  updateId?: string;
  /** Where the method sits in the caller's input, for field errors: `method`, `paymentMethod`. */
  field: string;
  /** The caller's own refusal for bad card data, naming the fields. */
  invalid: (fields: FieldError[]) => Error;
}): Promise<TokenizedPaymentMethod> {
  const gateway = input.gateway ?? createPaymentGateway(upgradeSettingsFromEnv().paymentProvider);
  try {
    return await gateway.tokenize(
      input.method,
      `${input.workflowId}:tokenize:${input.updateId ?? randomUUID()}`,
    );
  } catch (err) {
    if (err instanceof InvalidPaymentMethodError) {
      throw input.invalid([
        { path: `${input.field}.${err.field}`, message: err.message.slice(err.field.length + 2) },
      ]);
    }
    throw err;
  }
}
