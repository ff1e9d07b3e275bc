/**
 * Pay-as-you-go bills over HTTP (seed 002 §Pay-as-you-go): settle a bill (start
 * or find its workflow and wait for the outcome), read it, billing retry or
 * cancellation of a failed payment, rollback, adjustment, and the ops list of
 * bills waiting in `payment_failed`. Each route calls client/bills.ts; the
 * Idempotency-Key doubles as the Temporal update id, so a step runs once.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AccountIdSchema, AmountSchema, BillIdSchema } from '../../domain/contracts';
import { PaymentMethodSchema } from '../../domain/upgrade-entry';
import {
  adjustBill,
  cancelBillPayment,
  getBillState,
  listBillsInPaymentFailed,
  retryBillPayment,
  rollbackBill,
  settleBill,
} from '../../client/bills';
import { BillWorkflowInputSchema } from '../../workflows/bill/contracts';
import { billWorkflowId } from '../../workflows/ids';
import { updateIdOf } from '../idempotency';
import { pageByKey, PageQuerySchema, pageOf } from '../pagination';
import { refusalsAsProblems } from './refusals';
import type { ApiDeps } from './types';

const tags = ['bills'];
const BillParamsSchema = z.object({ billId: BillIdSchema });
const ReasonSchema = z.string().trim().min(1, { error: 'Required' }).max(500);
const RETRY_SCOPES = ['billing', 'ops'] as const;

const BillStateSchema = z
  .object({
    billId: z.string(),
    accountId: z.string(),
    commodityCode: z.string(),
    currency: z.string(),
    stage: z.enum(['settling', 'payment_failed', 'settled', 'arrears', 'rolled_back']),
    overdue: z.boolean(),
    billedAt: z.string(),
    originalAmount: z.string(),
    amount: z.string().describe('Now, after adjustments'),
    couponDeduction: z.string().describe('What coupons paid and still hold'),
    coupons: z.array(z.object({ couponId: z.string(), drawn: z.string(), returned: z.string() })),
    couponsBlockedBy: z.enum(['overdue_bill', 'outstanding_arrears']).nullable(),
    fundsPaid: z.string(),
    charged: z.string().describe('Charged to the payment method by automatic recharge'),
    arrearsAmount: z.string(),
    outstanding: z.string().describe('Still owed while the payment has failed'),
    paymentFailure: z
      .object({
        reason: z.string(),
        message: z.string(),
        attempt: z.int(),
        amount: z.string(),
        at: z.string(),
      })
      .nullable(),
    payments: z.array(
      z.object({
        attempt: z.int(),
        idempotencyKey: z.string(),
        amount: z.string(),
        currency: z.string(),
        paymentId: z.string().nullable(),
        status: z.enum(['succeeded', 'failed']),
        reason: z.string().optional(),
        message: z.string().optional(),
        method: z.string(),
        at: z.string(),
      }),
    ),
    adjustments: z.array(
      z.object({
        from: z.string(),
        to: z.string(),
        reason: z.string(),
        couponsReturned: z.string(),
        fundsReturned: z.string(),
        arrearsWrittenOff: z.string(),
        arrearsRefunded: z.string(),
        at: z.string(),
      }),
    ),
    rollback: z
      .object({
        reason: z.string(),
        couponsReturned: z.string(),
        fundsReturned: z.string(),
        arrearsWrittenOff: z.string(),
        arrearsRefunded: z.string(),
        outstandingDropped: z.string(),
        at: z.string(),
      })
      .nullable(),
  })
  .meta({ id: 'BillState' });

export function billRoutes(server: FastifyInstance, deps: ApiDeps): void {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const { engine } = deps;

  /** A call to one bill's workflow: ended is bill_closed (409), never started 404. */
  const billCall = <T>(billId: string, run: () => Promise<T>, field?: (path: string) => string) =>
    refusalsAsProblems(run, field, {
      engine,
      workflowId: billWorkflowId(billId),
      closedCode: 'bill_closed',
      subject: `bill ${billId}`,
    });

  app.post(
    '/v1/bills',
    {
      config: { scopes: ['billing'] },
      schema: {
        tags,
        summary:
          'Settle a bill: coupons, then funds, then automatic recharge; answers the outcome (settled, arrears or payment_failed). A bill settles once',
        body: BillWorkflowInputSchema,
        response: { 200: BillStateSchema },
      },
    },
    async (request) => refusalsAsProblems(() => settleBill(engine, request.body)),
  );

  app.get(
    '/v1/bills/:billId',
    {
      config: { scopes: ['billing', 'ops'] },
      schema: {
        tags,
        summary: 'Stage, what coupons, funds and the card paid, failures, adjustments',
        params: BillParamsSchema,
        response: { 200: BillStateSchema },
      },
    },
    async (request) =>
      billCall(request.params.billId, () => getBillState(engine, request.params.billId)),
  );

  app.post(
    '/v1/bills/:billId/retry-payment',
    {
      config: { scopes: RETRY_SCOPES },
      schema: {
        tags,
        summary:
          'Billing retry of a bill in payment_failed, optionally with a new payment method (tokenized here; it becomes the default)',
        params: BillParamsSchema,
        body: z.strictObject({ paymentMethod: PaymentMethodSchema.optional() }),
        response: { 200: BillStateSchema },
      },
    },
    async (request) =>
      billCall(request.params.billId, () =>
        retryBillPayment(
          engine,
          { billId: request.params.billId, ...request.body },
          updateIdOf(request.idempotency),
        ),
      ),
  );

  app.post(
    '/v1/bills/:billId/cancel-payment',
    {
      config: { scopes: RETRY_SCOPES },
      schema: {
        tags,
        summary: 'Give up on a failed payment: what the bill still owes becomes arrears',
        params: BillParamsSchema,
        body: z.strictObject({ reason: ReasonSchema }),
        response: { 200: BillStateSchema },
      },
    },
    async (request) =>
      billCall(request.params.billId, () =>
        cancelBillPayment(
          engine,
          { billId: request.params.billId, reason: request.body.reason },
          updateIdOf(request.idempotency),
        ),
      ),
  );

  app.post(
    '/v1/bills/:billId/rollback',
    {
      config: { scopes: ['billing'] },
      schema: {
        tags,
        summary: 'Roll the bill back: coupons, funds and arrears get back what it took',
        params: BillParamsSchema,
        body: z.strictObject({ reason: ReasonSchema }),
        response: { 200: BillStateSchema },
      },
    },
    async (request) =>
      billCall(request.params.billId, () =>
        rollbackBill(
          engine,
          { billId: request.params.billId, reason: request.body.reason },
          updateIdOf(request.idempotency),
        ),
      ),
  );

  app.post(
    '/v1/bills/:billId/adjust',
    {
      config: { scopes: ['billing'] },
      schema: {
        tags,
        summary: "Set the bill's amount: down returns by the documented rule, up settles the rest",
        params: BillParamsSchema,
        body: z.strictObject({ adjustedAmount: AmountSchema, reason: ReasonSchema }),
        response: { 200: BillStateSchema },
      },
    },
    async (request) =>
      billCall(request.params.billId, () =>
        adjustBill(
          engine,
          { billId: request.params.billId, ...request.body },
          updateIdOf(request.idempotency),
        ),
      ),
  );

  app.get(
    '/v1/bills',
    {
      config: { scopes: RETRY_SCOPES },
      schema: {
        tags,
        summary:
          'Ops: bills waiting in payment_failed (Temporal visibility; a just-failed bill may take a moment)',
        querystring: PageQuerySchema.extend({
          stage: z.literal('payment_failed').default('payment_failed'),
          accountId: AccountIdSchema.optional(),
        }),
        response: {
          200: pageOf(
            z.object({
              billId: z.string(),
              workflowId: z.string(),
              accountId: z.string(),
              startedAt: z.string(),
            }),
          ).meta({ id: 'StuckBillPage' }),
        },
      },
    },
    async (request) => {
      const { limit, cursor, accountId } = request.query;
      const stuck = await listBillsInPaymentFailed(engine, accountId ? { accountId } : {});
      const page = pageByKey(stuck, (b) => b.billId, { limit, cursor });
      return {
        items: page.items.map((b) => ({
          billId: b.billId,
          workflowId: b.workflowId,
          accountId: b.accountId,
          startedAt: b.startTime.toISOString(),
        })),
        nextCursor: page.nextCursor,
      };
    },
  );
}
