import { createHash, randomUUID } from 'node:crypto';
import { ApplicationFailure, log } from '@temporalio/activity';
import { Prisma } from '../../generated/prisma/client';
import {
  canonicalAmount,
  isCurrencyCode,
  isZeroAmount,
  MoneyError,
  type Amount,
  type CurrencyCode,
} from '../../domain/money';
import { z } from 'zod';
import { sqlSession, type Database } from '../database';
import {
  GatewayUnavailableError,
  InvalidPaymentMethodError,
  type DeclineReason,
  type PaymentGateway,
  type TokenizedPaymentMethod,
} from './ports';

export interface PaymentActivityOptions {
  gateway: PaymentGateway;
}

export interface RecordPaymentMethodInput {
  accountId: string;
  method: TokenizedPaymentMethod;
  /** `<workflowId>:payment-method:<n>`: a retry finds the row the first attempt wrote. */
  operationKey: string;
}

export interface PaymentMethodView {
  paymentMethodId: string;
  accountId: string;
  type: 'card' | 'paypal';
  token: string;
  brand: string | null;
  last4: string | null;
  expMonth: number | null;
  expYear: number | null;
  label: string | null;
}

export interface ChargePaymentInput {
  accountId: string;
  amount: Amount;
  currency: CurrencyCode;
  /** Defaults to the account's default payment method. */
  methodToken?: string;
  orderId?: string;
  billId?: string;
  /** Derived by the caller from workflow id + step, e.g. `order/o-1:charge`. */
  idempotencyKey: string;
}

export interface ChargePaymentResult {
  paymentId: string;
  status: 'succeeded' | 'declined';
  reason?: DeclineReason;
}

export interface RefundPaymentInput {
  /** The paymentId a succeeded charge returned. */
  paymentId: string;
  amount: Amount;
  idempotencyKey: string;
}

export interface RefundPaymentResult {
  refundId: string;
  paymentId: string;
  status: 'succeeded' | 'declined';
  reason?: string;
}

const refusal = (message: string, type: string, details?: Record<string, unknown>) =>
  ApplicationFailure.nonRetryable(message, type, ...(details ? [details] : []));

/** Refund rows are `<chargeId>.re_<hash>`, so the refunds of a charge are found by prefix. */
const refundIdFor = (chargeId: string, idempotencyKey: string): string =>
  `${chargeId}.re_${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 16)}`;

const isUniqueViolation = (err: unknown): boolean =>
  err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';

/** A PaymentMethod row as a raw statement returns it. */
const PaymentMethodRowSchema = z.object({
  id: z.string(),
  accountId: z.string(),
  type: z.string(),
  token: z.string(),
  brand: z.string().nullable(),
  last4: z.string().nullable(),
  expMonth: z.number().int().nullable(),
  expYear: z.number().int().nullable(),
  label: z.string().nullable(),
});

/** A PaymentMethod row (Prisma's or a raw statement's) as the activities answer it. */
function toView(row: z.infer<typeof PaymentMethodRowSchema>): PaymentMethodView {
  return {
    paymentMethodId: row.id,
    accountId: row.accountId,
    type: row.type === 'paypal' ? 'paypal' : 'card',
    token: row.token,
    brand: row.brand,
    last4: row.last4,
    expMonth: row.expMonth,
    expYear: row.expYear,
    label: row.label,
  };
}

function amountOf(amount: string, currency: string): { amount: Amount; currency: CurrencyCode } {
  if (!isCurrencyCode(currency)) {
    throw refusal(`currency: unsupported currency ${currency}`, 'invalid_amount', {
      field: 'currency',
    });
  }
  try {
    const canonical = canonicalAmount(amount, currency);
    if (isZeroAmount(canonical, currency)) throw new MoneyError('not positive');
    return { amount: canonical, currency };
  } catch {
    throw refusal(`amount: not a positive ${currency} amount: ${amount}`, 'invalid_amount', {
      field: 'amount',
    });
  }
}

/** Gateway outages are retryable (same idempotency key); bad requests are not. */
function gatewayFailure(err: unknown): Error {
  if (err instanceof GatewayUnavailableError) {
    return ApplicationFailure.retryable(err.message, 'gateway_unavailable');
  }
  if (err instanceof InvalidPaymentMethodError) {
    return refusal(err.message, 'invalid_payment_request', { field: err.field });
  }
  return err instanceof Error ? err : new Error(String(err));
}

export function createPaymentActivities(db: Database, options: PaymentActivityOptions) {
  const { gateway } = options;
  const sql = sqlSession(db);

  return {
    /** Keeps a tokenized method (never raw card data) as the account's default. */
    async recordPaymentMethod(input: RecordPaymentMethodInput): Promise<PaymentMethodView> {
      const id = `pm_${createHash('sha256').update(input.operationKey).digest('hex').slice(0, 24)}`;
      const m = input.method;
      const data =
        m.type === 'card'
          ? {
              type: 'card',
              token: m.token,
              brand: m.brand,
              last4: m.last4,
              expMonth: m.expMonth,
              expYear: m.expYear,
              label: null,
            }
          : {
              type: 'paypal',
              token: m.token,
              brand: null,
              last4: null,
              expMonth: null,
              expYear: null,
              label: m.label,
            };
      // One statement: the method becomes the account's only default (a retry finds
      // its row by the key-derived id and keeps it the default).
      const [row] = await sql.query(
        `WITH cleared AS (
           UPDATE "PaymentMethod" SET "isDefault" = false
           WHERE "accountId" = $2 AND "isDefault" AND "id" <> $1
         )
         INSERT INTO "PaymentMethod"
           ("id", "accountId", "type", "token", "brand", "last4", "expMonth", "expYear", "label", "isDefault")
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, true)
         ON CONFLICT ("id") DO UPDATE SET "isDefault" = true
         RETURNING "id", "accountId", "type", "token", "brand", "last4", "expMonth", "expYear", "label"`,
        [
          id,
          input.accountId,
          data.type,
          data.token,
          data.brand,
          data.last4,
          data.expMonth,
          data.expYear,
          data.label,
        ],
      );
      return toView(PaymentMethodRowSchema.parse(row));
    },

    async getDefaultPaymentMethod(accountId: string): Promise<PaymentMethodView | null> {
      const row = await db.paymentMethod.findFirst({
        where: { accountId, isDefault: true },
        orderBy: { createdAt: 'desc' },
      });
      return row ? toView(row) : null;
    },

    /**
     * Charges through the gateway, once per idempotency key (Payment.idempotencyKey
     * is unique). A decline is a result; an outage is a retryable failure; a key
     * reused for another charge, or no payment method, is a non-retryable refusal.
     */
    async chargePayment(input: ChargePaymentInput): Promise<ChargePaymentResult> {
      const { amount, currency } = amountOf(input.amount, input.currency);
      let payment = await db.payment.findUnique({
        where: { idempotencyKey: input.idempotencyKey },
      });
      if (payment) {
        const same =
          payment.kind === 'charge' &&
          payment.accountId === input.accountId &&
          payment.currency === currency &&
          payment.amount.equals(amount) &&
          (input.methodToken === undefined || payment.methodToken === input.methodToken);
        if (!same) {
          throw refusal(
            `idempotency key ${input.idempotencyKey} was used for another payment`,
            'idempotency_key_reused',
          );
        }
      } else {
        let token = input.methodToken;
        if (token === undefined) {
          const method = await db.paymentMethod.findFirst({
            where: { accountId: input.accountId, isDefault: true },
            orderBy: { createdAt: 'desc' },
          });
          if (!method) {
            throw refusal(`account ${input.accountId} has no payment method`, 'no_payment_method');
          }
          token = method.token;
        } else if (
          !(await db.paymentMethod.findFirst({ where: { accountId: input.accountId, token } }))
        ) {
          throw refusal(
            `methodToken: not a payment method of account ${input.accountId}`,
            'payment_method_not_found',
            { field: 'methodToken' },
          );
        }
        try {
          payment = await db.payment.create({
            data: {
              id: `pay_${randomUUID()}`,
              idempotencyKey: input.idempotencyKey,
              accountId: input.accountId,
              kind: 'charge',
              amount,
              currency,
              methodToken: token,
              orderId: input.orderId ?? null,
              billId: input.billId ?? null,
              status: 'pending',
            },
          });
        } catch (err) {
          if (!isUniqueViolation(err)) throw err;
          payment = await db.payment.findUniqueOrThrow({
            where: { idempotencyKey: input.idempotencyKey },
          });
        }
      }
      if (payment.status === 'succeeded' || payment.status === 'declined') {
        return {
          paymentId: payment.id,
          status: payment.status,
          ...(payment.failureReason ? { reason: payment.failureReason as DeclineReason } : {}),
        };
      }
      // pending: first attempt, or a retry after an outage. The gateway dedups by key.
      let response;
      try {
        response = await gateway.charge({
          token: payment.methodToken,
          amount,
          currency,
          idempotencyKey: input.idempotencyKey,
        });
      } catch (err) {
        log.warn('payment gateway failed; the charge stays pending', {
          paymentId: payment.id,
          error: (err as Error).message,
        });
        throw gatewayFailure(err);
      }
      await db.payment.update({
        where: { id: payment.id },
        data: {
          status: response.status,
          gatewayReference: response.reference,
          failureReason: response.status === 'declined' ? response.reason : null,
        },
      });
      return response.status === 'succeeded'
        ? { paymentId: payment.id, status: 'succeeded' }
        : { paymentId: payment.id, status: 'declined', reason: response.reason };
    },

    /**
     * Refunds (part of) a succeeded charge, once per idempotency key; the refunds of
     * one charge never add up to more than it.
     */
    async refundPayment(input: RefundPaymentInput): Promise<RefundPaymentResult> {
      const charge = await db.payment.findUnique({ where: { id: input.paymentId } });
      if (!charge || charge.kind !== 'charge') {
        throw refusal(`paymentId: no charge ${input.paymentId}`, 'payment_not_found', {
          field: 'paymentId',
        });
      }
      const { amount, currency } = amountOf(input.amount, charge.currency);
      const refundId = refundIdFor(charge.id, input.idempotencyKey);
      let refund = await db.payment.findUnique({ where: { idempotencyKey: input.idempotencyKey } });
      if (refund && (refund.id !== refundId || !refund.amount.equals(amount))) {
        throw refusal(
          `idempotency key ${input.idempotencyKey} was used for another payment`,
          'idempotency_key_reused',
        );
      }
      if (!refund) {
        if (charge.status !== 'succeeded' || !charge.gatewayReference) {
          throw refusal(
            `payment ${charge.id} is ${charge.status}: nothing to refund`,
            'payment_not_refundable',
          );
        }
        refund = await db.$transaction(async (tx) => {
          await tx.$queryRaw`SELECT "id" FROM "Payment" WHERE "id" = ${charge.id} FOR UPDATE`;
          const earlier = await tx.payment.findMany({
            where: {
              id: { startsWith: `${charge.id}.re_` },
              status: { in: ['pending', 'succeeded'] },
            },
          });
          const refunded = earlier.reduce((sum, r) => sum.plus(r.amount), new Prisma.Decimal(0));
          if (refunded.plus(amount).greaterThan(charge.amount)) {
            throw refusal(
              `amount: refunds would exceed the charge (${charge.amount.toString()} ${currency}, ${refunded.toString()} refunded)`,
              'refund_exceeds_charge',
              { field: 'amount' },
            );
          }
          return tx.payment.create({
            data: {
              id: refundId,
              idempotencyKey: input.idempotencyKey,
              accountId: charge.accountId,
              kind: 'refund',
              amount,
              currency,
              methodToken: charge.methodToken,
              orderId: charge.orderId,
              billId: charge.billId,
              status: 'pending',
            },
          });
        });
      }
      if (refund.status === 'succeeded' || refund.status === 'declined') {
        return {
          refundId: refund.id,
          paymentId: charge.id,
          status: refund.status,
          ...(refund.failureReason ? { reason: refund.failureReason } : {}),
        };
      }
      let response;
      try {
        response = await gateway.refund({
          reference: charge.gatewayReference ?? '',
          amount,
          currency,
          idempotencyKey: input.idempotencyKey,
        });
      } catch (err) {
        throw gatewayFailure(err);
      }
      await db.payment.update({
        where: { id: refund.id },
        data: {
          status: response.status,
          gatewayReference: response.reference,
          failureReason: response.status === 'declined' ? response.reason : null,
        },
      });
      return response.status === 'succeeded'
        ? { refundId: refund.id, paymentId: charge.id, status: 'succeeded' }
        : {
            refundId: refund.id,
            paymentId: charge.id,
            status: 'declined',
            reason: response.reason,
          };
    },
  };
}

export type PaymentActivities = ReturnType<typeof createPaymentActivities>;
