/**
 * Billing retries, shared by the order and the pay-as-you-go bill workflows.
 *
 * A payment that fails does not lose the order or bill. Transient gateway errors
 * are first retried by the activity's retry policy (same idempotency key, so the
 * gateway charges at most once). When the gateway declines, or stays down after
 * the policy, the workflow shows the `payment_failed` stage (BillingStage search
 * attribute + current details naming the reason and how to retry) and waits for
 * a `retryPayment` Update (optionally carrying a new, tokenized payment method)
 * or a cancellation. Ops list what is stuck with
 * `BillingStage = 'payment_failed'` and retry from the client library or:
 *
 *   temporal workflow update execute --workflow-id order/o-1 --name retryPayment --input '{}'
 *
 * Idempotency keys are `<workflowId>:charge:<attempt>`. A new attempt number is
 * used after a definite answer (declined, refused); after an outage the outcome
 * is unknown, so a retry with the same payment method sends the SAME key again
 * (the gateway answers what it did the first time) and can never charge twice.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  defineUpdate,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import { z } from 'zod';
import type { Amount, CurrencyCode } from '../../domain/money';
import type { PaymentActivities } from '../../activities/payment/activities';
import type { TokenizedPaymentMethod } from '../../activities/payment/ports';
import { BillingStageKey } from '../search-attributes';
import { TokenizedPaymentMethodSchema } from '../trial-upgrade/contracts';
import { parseOrRefuse, refusal } from '../trial-upgrade/refusals';

export const PAYMENT_FAILED_STAGE = 'payment_failed';

/** retryPayment's input: nothing (same method), or a method the client tokenized. */
export const RetryPaymentSchema = z.strictObject({
  paymentMethod: TokenizedPaymentMethodSchema.optional(),
});
export type RetryPaymentInput = z.input<typeof RetryPaymentSchema>;

/** The retryPayment Update of a workflow whose retry returns R (same name everywhere). */
export const defineRetryPaymentUpdate = <R>(): UpdateDefinition<R, [RetryPaymentInput]> =>
  defineUpdate<R, [RetryPaymentInput]>('retryPayment');

/** Why a payment attempt did not succeed. */
export type PaymentFailureReason =
  | 'card_declined'
  | 'insufficient_funds'
  | 'expired_card'
  | 'invalid_payment_method'
  /** The gateway stayed down (or did not answer) after the retry policy: outcome unknown. */
  | 'gateway_unavailable'
  | 'no_payment_method'
  | 'payment_method_not_found';

export interface PaymentAttempt {
  attempt: number;
  idempotencyKey: string;
  amount: Amount;
  currency: CurrencyCode;
  /** The Payment row (null when refused before one was written). */
  paymentId: string | null;
  status: 'succeeded' | 'failed';
  reason?: PaymentFailureReason;
  message?: string;
  /** Masked method used ("visa •••• 4242"), or "default method". */
  method: string;
  at: string;
}

export interface PaymentRetryOptions {
  workflowId: string;
  accountId: string;
  orderId?: string;
  billId?: string;
  /** How the subject reads in details, e.g. "order o-1". */
  subject: string;
}

const { chargePayment } = proxyActivities<PaymentActivities>({
  startToCloseTimeout: '30 seconds',
  // Outages are retried a few times with the same key before the payment counts as failed.
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    maximumAttempts: 3,
  },
});
const { recordPaymentMethod } = proxyActivities<PaymentActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
});

/** Refusals of chargePayment a customer can fix with another payment method. */
const FIXABLE_REFUSALS: readonly PaymentFailureReason[] = [
  'no_payment_method',
  'payment_method_not_found',
];

const describeMethod = (m: TokenizedPaymentMethod): string =>
  m.type === 'card' ? `${m.brand} •••• ${m.last4}` : `PayPal ${m.label}`;

/**
 * One workflow's payment attempts. Not thread-safe by itself: the workflow runs
 * one payment step at a time.
 */
export class PaymentRetry {
  readonly attempts: PaymentAttempt[] = [];
  private method: { token: string; shown: string } | null = null;
  private methods = 0;

  constructor(private readonly options: PaymentRetryOptions) {}

  get last(): PaymentAttempt | null {
    return this.attempts[this.attempts.length - 1] ?? null;
  }

  /** The last attempt failed: the workflow waits for a retry or a cancellation. */
  get failed(): boolean {
    return this.last?.status === 'failed';
  }

  /** A new payment method (tokenized by the client): recorded as the account's default, used from now on. */
  async useMethod(method: TokenizedPaymentMethod): Promise<void> {
    const recorded = await recordPaymentMethod({
      accountId: this.options.accountId,
      method,
      operationKey: `${this.options.workflowId}:payment-method:${++this.methods}`,
    });
    this.method = { token: recorded.token, shown: describeMethod(method) };
  }

  /** Charges `amount` once; a failure is returned (and kept), not thrown. */
  async charge(amount: Amount, currency: CurrencyCode): Promise<PaymentAttempt> {
    const previous = this.last;
    const shown = this.method?.shown ?? 'default method';
    // Outcome unknown and nothing changed: send the same key again.
    const sameKey =
      previous?.reason === 'gateway_unavailable' &&
      previous.method === shown &&
      previous.amount === amount;
    const attempt = sameKey && previous ? previous.attempt : (previous?.attempt ?? 0) + 1;
    const idempotencyKey = `${this.options.workflowId}:charge:${attempt}`;
    const base = {
      attempt,
      idempotencyKey,
      amount,
      currency,
      method: shown,
      at: new Date(Date.now()).toISOString(),
    };
    let result: PaymentAttempt;
    try {
      const charged = await chargePayment({
        accountId: this.options.accountId,
        amount,
        currency,
        idempotencyKey,
        ...(this.method ? { methodToken: this.method.token } : {}),
        ...(this.options.orderId ? { orderId: this.options.orderId } : {}),
        ...(this.options.billId ? { billId: this.options.billId } : {}),
      });
      result =
        charged.status === 'succeeded'
          ? { ...base, paymentId: charged.paymentId, status: 'succeeded' }
          : {
              ...base,
              paymentId: charged.paymentId,
              status: 'failed',
              reason: charged.reason ?? 'card_declined',
              message: `declined: ${charged.reason ?? 'card_declined'}`,
            };
    } catch (err) {
      result = { ...base, paymentId: null, status: 'failed', ...failureOf(err) };
    }
    if (sameKey && previous) this.attempts.pop();
    this.attempts.push(result);
    return result;
  }

  /** BillingStage = payment_failed, and details that tell ops why and how to retry. */
  showFailed(extra = ''): void {
    upsertSearchAttributes([{ key: BillingStageKey, value: PAYMENT_FAILED_STAGE }]);
    setCurrentDetails(this.failedDetails(extra));
  }

  failedDetails(extra = ''): string {
    const last = this.last;
    const why = last ? `${last.reason ?? 'failed'}${last.message ? ` (${last.message})` : ''}` : '';
    return [
      `**Payment failed** for ${this.options.subject}: attempt ${last?.attempt ?? 0}, ${last?.amount ?? ''} ${last?.currency ?? ''} with ${last?.method ?? ''}: ${why}.`,
      `Waiting for a retry (optionally with a new payment method) or a cancellation.`,
      `Retry: \`temporal workflow update execute --workflow-id ${this.options.workflowId} --name retryPayment --input '{}'\``,
      extra,
    ]
      .filter(Boolean)
      .join('\n\n');
  }
}

/** A chargePayment failure as an attempt's reason; anything else (a bug) is rethrown. */
function failureOf(err: unknown): { reason: PaymentFailureReason; message: string } {
  if (err instanceof ActivityFailure) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure) {
      if (!cause.nonRetryable || cause.type === 'gateway_unavailable') {
        return { reason: 'gateway_unavailable', message: cause.message };
      }
      if (FIXABLE_REFUSALS.includes(cause.type as PaymentFailureReason)) {
        return { reason: cause.type as PaymentFailureReason, message: cause.message };
      }
      throw err;
    }
    // Timed out (the gateway did not answer within the policy): outcome unknown.
    return { reason: 'gateway_unavailable', message: cause?.message ?? err.message };
  }
  throw err;
}

/**
 * Registers retryPayment: the validator refuses bad input (naming the field) and
 * retries when nothing failed (`not_awaiting_retry`); the handler runs the
 * workflow's own next attempt and returns its result.
 */
export function setRetryPaymentHandler<R>(
  update: UpdateDefinition<R, [RetryPaymentInput]>,
  options: {
    awaitingRetry: () => boolean;
    describe: () => string;
    retry: (method: TokenizedPaymentMethod | undefined) => Promise<R>;
  },
): void {
  const guard = (): void => {
    if (!options.awaitingRetry()) {
      throw refusal(
        'not_awaiting_retry',
        `${options.describe()} is not waiting for a payment retry`,
      );
    }
  };
  setHandler(
    update,
    async (raw) => {
      const { paymentMethod } = RetryPaymentSchema.parse(raw);
      return options.retry(paymentMethod);
    },
    {
      validator: (raw) => {
        parseOrRefuse(RetryPaymentSchema, raw);
        guard();
      },
    },
  );
}
