/**
 * Orders over HTTP (seed 002 §Paying an order): create (the coupon is frozen),
 * read, pay (a raw card is tokenized by the client library, never stored or put
 * in history), billing retry, cancel, unsubscribe, renew, and the ops list of
 * orders waiting in `payment_failed`. Each route calls client/orders.ts; the
 * Idempotency-Key doubles as the Temporal update id, so a step runs once.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  AccountIdSchema,
  CouponIdSchema,
  CurrencySchema,
  OrderIdSchema,
  OrderTypeSchema,
  PositiveAmountSchema,
} from '../../domain/contracts';
import { PaymentMethodSchema } from '../../domain/upgrade-entry';
import {
  cancelOrder,
  createOrder,
  getOrderState,
  listOrdersInPaymentFailed,
  payOrder,
  renewOrder,
  retryOrderPayment,
  unsubscribeOrder,
} from '../../client/orders';
import { orderWorkflowId } from '../../workflows/ids';
import { updateIdOf } from '../idempotency';
import { pageByKey, PageQuerySchema, pageOf } from '../pagination';
import { refusalsAsProblems } from './refusals';
import type { ApiDeps } from './types';

const tags = ['orders'];
const OrderParamsSchema = z.object({ orderId: OrderIdSchema });
const ReasonSchema = z.string().trim().min(1, { error: 'Required' }).max(500);
const DurationSchema = z
  .string()
  .regex(/^\d+\s*(ms|milliseconds?|s|seconds?|m|minutes?|h|hours?|d|days?)$/, {
    error: 'A duration such as "30 minutes"',
  });
const MonthsSchema = z.int().min(1).max(120);

const PaymentAttemptSchema = z.object({
  attempt: z.int(),
  idempotencyKey: z.string().describe('The gateway key: <workflowId>:charge:<attempt>'),
  amount: z.string(),
  currency: z.string(),
  paymentId: z.string().nullable(),
  status: z.enum(['succeeded', 'failed']),
  reason: z.string().optional().describe('Why it failed: card_declined, gateway_unavailable, ...'),
  message: z.string().optional(),
  method: z.string().describe('Masked, e.g. "visa •••• 4242"'),
  at: z.string(),
});

const OrderStateSchema = z
  .object({
    orderId: z.string(),
    workflowId: z.string(),
    accountId: z.string(),
    commodityCode: z.string(),
    orderType: z.string(),
    amount: z.string(),
    currency: z.string(),
    durationMonths: z.int().nullable(),
    autoRenew: z.boolean(),
    renewal: z.object({ renewsOrderId: z.string(), auto: z.boolean() }).nullable(),
    stage: z.string().describe('creating, awaiting_payment, payment_failed, active, ...'),
    status: z.string(),
    coupon: z
      .object({
        couponId: z.string(),
        chosenBy: z.enum(['customer', 'auto_renewal_rule']),
        deduction: z.string(),
        state: z.string().describe('frozen, released, deducted, returned or not_returned'),
        returned: z.object({ amount: z.string(), rule: z.string(), event: z.string() }).optional(),
      })
      .nullable(),
    payable: z.string().describe('amount − coupon deduction: what the payment method is charged'),
    paymentDeadline: z.string(),
    paymentId: z.string().nullable(),
    payments: z.array(PaymentAttemptSchema),
    refunds: z.array(
      z.object({
        refundId: z.string(),
        amount: z.string(),
        reason: z.string(),
        status: z.enum(['succeeded', 'declined']),
      }),
    ),
    resourceId: z.string().nullable(),
    provisioningFailure: z.string().nullable(),
    cancelReason: z.string().nullable(),
    provisionedAt: z.string().nullable(),
    termEndsAt: z.string().nullable(),
    unsubscription: z
      .object({ at: z.string(), unusedFraction: z.string(), reason: z.string() })
      .nullable(),
    renewedBy: z.string().nullable(),
  })
  .meta({ id: 'OrderState' });

const CreatedSchema = z
  .object({ orderId: z.string(), workflowId: z.string(), state: OrderStateSchema })
  .meta({ id: 'OrderCreated' });

const PaymentOutcomeSchema = z
  .object({
    orderId: z.string(),
    stage: z.string(),
    status: z.string(),
    paid: z.boolean(),
    paymentId: z.string().nullable(),
    payable: z.string(),
    couponDeduction: z.string(),
    attempt: PaymentAttemptSchema.nullable(),
  })
  .meta({ id: 'OrderPaymentOutcome' });

const CreateOrderBodySchema = z.strictObject({
  orderId: OrderIdSchema.optional().describe('Your order id; a new one if omitted'),
  accountId: AccountIdSchema,
  commodityCode: z.string().min(1).max(64),
  orderType: OrderTypeSchema.exclude(['payg_bill', 'renewal']),
  amount: PositiveAmountSchema,
  currency: CurrencySchema,
  durationMonths: MonthsSchema.optional(),
  couponId: CouponIdSchema.optional().describe('One coupon per order; frozen until paid'),
  otherOffersApplied: z.boolean().optional(),
  autoRenew: z.boolean().optional(),
  paymentWindow: DurationSchema.optional().describe('Overrides ORDER_PAYMENT_WINDOW'),
});

const PayBodySchema = z.strictObject({
  method: PaymentMethodSchema.optional().describe(
    'A card or PayPal, tokenized here and never stored; the default payment method if omitted',
  ),
});

const RenewBodySchema = z.strictObject({
  renewalOrderId: OrderIdSchema.optional().describe('The new order id; a new one if omitted'),
  auto: z
    .boolean()
    .optional()
    .describe('Auto-renewal: the engine picks the coupon and pays with the default method'),
  couponId: CouponIdSchema.optional().describe('Manual renewal: the customer’s coupon'),
  amount: PositiveAmountSchema.optional(),
  durationMonths: MonthsSchema.optional(),
  paymentWindow: DurationSchema.optional(),
});

/** The client validates `{ order: {...}, paymentWindowMs }`; the request's body is flat. */
const createField = (path: string): string =>
  `body.${path.replace(/^order\./, '').replace(/^paymentWindowMs$/, 'paymentWindow')}`;

export function orderRoutes(server: FastifyInstance, deps: ApiDeps): void {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const { engine } = deps;

  /** A call to one order's workflow: ended is order_closed (409), never started 404. */
  const orderCall = <T>(orderId: string, run: () => Promise<T>, field?: (path: string) => string) =>
    refusalsAsProblems(run, field, {
      engine,
      workflowId: orderWorkflowId(orderId),
      closedCode: 'order_closed',
      subject: `order ${orderId}`,
    });

  app.post(
    '/v1/orders',
    {
      config: { scopes: ['signup', 'billing'] },
      schema: {
        tags,
        summary:
          'Create an order: its coupon (if any) is checked by the rules and frozen; refused with every reason (coupon_not_eligible)',
        body: CreateOrderBodySchema,
        response: { 201: CreatedSchema },
      },
    },
    async (request, reply) => {
      const created = await refusalsAsProblems(
        () => createOrder(engine, request.body),
        createField,
      );
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/v1/orders/:orderId',
    {
      config: { scopes: ['signup', 'ops', 'billing'] },
      schema: {
        tags,
        summary: 'Stage, coupon, payable amount, payment attempts and term',
        params: OrderParamsSchema,
        response: { 200: OrderStateSchema },
      },
    },
    async (request) =>
      orderCall(request.params.orderId, () => getOrderState(engine, request.params.orderId)),
  );

  app.post(
    '/v1/orders/:orderId/pay',
    {
      config: { scopes: ['signup', 'billing'] },
      schema: {
        tags,
        summary:
          'Pay: charge the payable amount, then deduct the coupon. A decline is not an error: stage payment_failed with the attempt',
        params: OrderParamsSchema,
        body: PayBodySchema,
        response: { 200: PaymentOutcomeSchema },
      },
    },
    async (request) =>
      orderCall(request.params.orderId, () =>
        payOrder(
          engine,
          { orderId: request.params.orderId, ...request.body },
          updateIdOf(request.idempotency),
        ),
      ),
  );

  app.post(
    '/v1/orders/:orderId/retry-payment',
    {
      config: { scopes: ['billing', 'ops'] },
      schema: {
        tags,
        summary:
          'Billing retry of an order in payment_failed, optionally with a new payment method',
        params: OrderParamsSchema,
        body: PayBodySchema,
        response: { 200: PaymentOutcomeSchema },
      },
    },
    async (request) =>
      orderCall(request.params.orderId, () =>
        retryOrderPayment(
          engine,
          { orderId: request.params.orderId, ...request.body },
          updateIdOf(request.idempotency),
        ),
      ),
  );

  app.post(
    '/v1/orders/:orderId/cancel',
    {
      config: { scopes: ['signup', 'billing'] },
      schema: {
        tags,
        summary: 'Cancel an unpaid order (its coupon is released); refused once paid',
        params: OrderParamsSchema,
        body: z.strictObject({ reason: ReasonSchema }),
        response: { 200: OrderStateSchema },
      },
    },
    async (request) =>
      orderCall(request.params.orderId, () =>
        cancelOrder(
          engine,
          { orderId: request.params.orderId, reason: request.body.reason },
          updateIdOf(request.idempotency),
        ),
      ),
  );

  app.post(
    '/v1/orders/:orderId/unsubscribe',
    {
      config: { scopes: ['signup', 'billing'] },
      schema: {
        tags,
        summary: 'End an active subscription: the unused part comes back by the rules',
        params: OrderParamsSchema,
        body: z.strictObject({ reason: ReasonSchema.optional() }),
        response: { 200: OrderStateSchema },
      },
    },
    async (request) =>
      orderCall(request.params.orderId, () =>
        unsubscribeOrder(
          engine,
          { orderId: request.params.orderId, ...request.body },
          updateIdOf(request.idempotency),
        ),
      ),
  );

  app.post(
    '/v1/orders/:orderId/renew',
    {
      config: { scopes: ['signup', 'billing'] },
      schema: {
        tags,
        summary:
          'Renew as a new order of type renewal: manual (the customer’s coupon) or auto (coupon by rule, paid at once)',
        params: OrderParamsSchema,
        body: RenewBodySchema,
        response: { 201: CreatedSchema },
      },
    },
    async (request, reply) => {
      const renewed = await orderCall(
        request.params.orderId,
        () => renewOrder(engine, { orderId: request.params.orderId, ...request.body }),
        createField,
      );
      return reply.code(201).send(renewed);
    },
  );

  app.get(
    '/v1/orders',
    {
      config: { scopes: ['billing', 'ops'] },
      schema: {
        tags,
        summary:
          'Ops: orders waiting in payment_failed for a retry (Temporal visibility; a just-failed order may take a moment)',
        querystring: PageQuerySchema.extend({
          stage: z.literal('payment_failed').default('payment_failed'),
          accountId: AccountIdSchema.optional(),
        }),
        response: {
          200: pageOf(
            z.object({
              orderId: z.string(),
              workflowId: z.string(),
              accountId: z.string().nullable(),
              startedAt: z.string(),
            }),
          ).meta({ id: 'StuckOrderPage' }),
        },
      },
    },
    async (request) => {
      const { limit, cursor, accountId } = request.query;
      const stuck = await listOrdersInPaymentFailed(engine, accountId ? { accountId } : {});
      const page = pageByKey(stuck, (o) => o.orderId, { limit, cursor });
      return {
        items: page.items.map((o) => ({
          orderId: o.orderId,
          workflowId: o.workflowId,
          accountId: o.accountId,
          startedAt: o.startTime.toISOString(),
        })),
        nextCursor: page.nextCursor,
      };
    },
  );
}
