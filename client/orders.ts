/**
 * Typed client of the order workflow (`order/<orderId>`): create, pay, retry a
 * failed payment, cancel, unsubscribe, renew, read the state, and list the
 * orders stuck in `payment_failed` (for billing staff). Business refusals are
 * thrown as `OrderRefusal` (a `code` such as `coupon_not_eligible` with
 * `details.reasons`, `order_already_paid`, `not_awaiting_retry`).
 *
 * Cards are tokenized here with the payment gateway (as a payment page would):
 * raw card data never enters workflow history.
 */
import { randomUUID } from 'node:crypto';
import {
  WithStartWorkflowOperation,
  WorkflowFailedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { parseInput, type FieldError } from '../domain/contracts';
import type { OrderType } from '../domain/coupon';
import type { CurrencyCode } from '../domain/money';
import {
  type PaymentGateway,
  type RawPaymentMethod,
  type TokenizedPaymentMethod,
} from '../activities/payment';
import { tokenizePaymentMethod } from './payment-method';
import { orderSettingsFromEnv } from '../worker/config';
import { orderWorkflowId } from '../workflows/ids';
import { OrderWorkflowInputSchema, type OrderWorkflowInput } from '../workflows/order/contracts';
import {
  awaitCreatedUpdate,
  cancelOrderSignal,
  cancelOrderUpdate,
  orderStateQuery,
  payOrderUpdate,
  retryPaymentUpdate,
  unsubscribeOrderUpdate,
  type OrderResult,
  type OrderStage,
  type OrderState,
  type PaymentOutcome,
} from '../workflows/order/messages';
import type { order } from '../workflows/order/workflow';
import {
  AccountIdKey,
  BillingStageKey,
  CouponIdKey,
  OrderIdKey,
} from '../workflows/search-attributes';
import type { EngineClientContext } from './trial-upgrade';
import { workflowReach } from './unreachable-workflow';

export type { OrderResult, OrderStage, OrderState, PaymentOutcome };

export interface OrderClientContext extends EngineClientContext {
  /** The gateway cards are tokenized with (PAYMENT_PROVIDER; the dev gateway by default). */
  paymentGateway?: PaymentGateway;
}

/** Per call: an update id makes a retried call (e.g. after a timeout) do its work once. */
export interface OrderCallOptions {
  updateId?: string;
}

export interface CreateOrderInput {
  orderId?: string;
  accountId: string;
  /** The product's commodity code. */
  commodityCode: string;
  orderType: Exclude<OrderType, 'payg_bill'>;
  amount: string;
  currency: CurrencyCode;
  durationMonths?: number;
  /** One coupon per order; frozen while the order is unpaid. */
  couponId?: string;
  otherOffersApplied?: boolean;
  /** At term end, renew automatically (the engine picks the coupon by rule). */
  autoRenew?: boolean;
  /** Overrides ORDER_PAYMENT_WINDOW for this order, e.g. "30 minutes". */
  paymentWindow?: string;
}

/** A business refusal of an order step, with what it names. */
export class OrderRefusal extends Error {
  override readonly name = 'OrderRefusal';
  constructor(
    /** e.g. invalid_input, coupon_not_eligible, order_already_paid, order_closed, not_awaiting_retry. */
    readonly code: string,
    message: string,
    readonly details: {
      fields?: FieldError[];
      field?: string;
      /** coupon_not_eligible: every reason the rules engine gave. */
      reasons?: { code: string; message: string; detail?: string }[];
      stage?: string;
    } & Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The refusal inside a Temporal error (update, workflow or activity failure). */
export function toOrderRefusal(err: unknown): OrderRefusal | null {
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 5; depth++) {
    if (cur instanceof OrderRefusal) return cur;
    if (cur instanceof ApplicationFailure && cur.type) {
      return new OrderRefusal(
        cur.type,
        cur.message,
        (cur.details?.[0] ?? {}) as OrderRefusal['details'],
      );
    }
    if (
      cur instanceof WorkflowUpdateFailedError ||
      cur instanceof WorkflowFailedError ||
      cur instanceof ActivityFailure
    ) {
      cur = cur.cause;
      continue;
    }
    return null;
  }
  return null;
}

async function refusing<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw toOrderRefusal(err) ?? err;
  }
}

const invalid = (fields: FieldError[]): OrderRefusal =>
  new OrderRefusal(
    'invalid_input',
    fields.map((f) => `${f.path || '(input)'}: ${f.message}`).join('; '),
    { fields },
  );

function windowMs(value: string | undefined): number {
  if (value === undefined) return orderSettingsFromEnv().paymentWindowMs;
  try {
    const ms = msToNumber(value as Parameters<typeof msToNumber>[0]);
    if (Number.isFinite(ms) && ms > 0) return ms;
  } catch {
    // reported below
  }
  throw invalid([{ path: 'paymentWindow', message: 'Must be a duration such as "30 minutes"' }]);
}

export function orderHandle(
  ctx: EngineClientContext,
  orderId: string,
): WorkflowHandle<typeof order> {
  return ctx.client.workflow.getHandle<typeof order>(orderWorkflowId(orderId));
}

function tokenize(
  ctx: OrderClientContext,
  handle: WorkflowHandle<typeof order>,
  method: RawPaymentMethod,
  options: OrderCallOptions,
): Promise<TokenizedPaymentMethod> {
  return tokenizePaymentMethod({
    gateway: ctx.paymentGateway,
    method,
    workflowId: handle.workflowId,
    updateId: options.updateId,
    field: 'method',
    invalid,
  });
}

// ---- create -------------------------------------------------------------------------

async function startOrder(
  ctx: EngineClientContext,
  args: OrderWorkflowInput,
): Promise<{ orderId: string; workflowId: string; state: OrderState }> {
  const parsed = parseInput(OrderWorkflowInputSchema, args);
  if (!parsed.ok) throw invalid(parsed.errors); // nothing started, nothing written
  const o = parsed.value.order;
  const workflowId = orderWorkflowId(o.orderId);
  // Start and awaitCreated in one call (update-with-start): the update rides the first
  // workflow task instead of following the start as a second round trip.
  const startWorkflowOperation = new WithStartWorkflowOperation<typeof order>('order', {
    taskQueue: ctx.taskQueue,
    workflowId,
    // A refused creation may be tried again under the same order id; anything else is found.
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    args: [args],
    typedSearchAttributes: [
      { key: OrderIdKey, value: o.orderId },
      { key: AccountIdKey, value: o.accountId },
      { key: BillingStageKey, value: 'creating' },
      ...(o.couponId ? [{ key: CouponIdKey, value: o.couponId }] : []),
    ],
    staticSummary: `Order ${o.orderId}: ${o.orderType} of ${o.commodityCode}, ${o.amount} ${o.currency}, account ${o.accountId}`,
    staticDetails: [
      `Order type: ${o.orderType}`,
      `Duration: ${o.durationMonths ?? '-'} months${o.autoRenew ? ', auto-renews' : ''}`,
      `Coupon: ${o.couponId ?? (parsed.value.renewal?.auto ? 'chosen by the auto-renewal rule' : 'none')}`,
      parsed.value.renewal ? `Renews order ${parsed.value.renewal.renewsOrderId}` : '',
    ]
      .filter(Boolean)
      .join('\n\n'),
  });
  try {
    const state = await ctx.client.workflow.executeUpdateWithStart(awaitCreatedUpdate, {
      startWorkflowOperation,
    });
    return { orderId: o.orderId, workflowId, state };
  } catch (err) {
    const refused = toOrderRefusal(err);
    if (refused) throw refused;
    // Not started (e.g. the id's earlier run completed): the start's own error.
    const handle = await startWorkflowOperation.workflowHandle().catch(() => null);
    if (!handle) throw err;
    // The run may have ended (refused) before the update reached it: its failure says why.
    const ended = await handle.result().then(
      () => null,
      (failure: unknown) => toOrderRefusal(failure),
    );
    throw ended ?? err;
  }
}

/**
 * Creates an order and returns once its coupon is frozen and its row written.
 * A coupon the rules engine refuses is `coupon_not_eligible` with every reason
 * in `details.reasons`; nothing is frozen or written. Creating the same order id
 * twice finds the first.
 */
export function createOrder(
  ctx: EngineClientContext,
  input: CreateOrderInput,
): Promise<{ orderId: string; workflowId: string; state: OrderState }> {
  const { paymentWindow, orderId, ...rest } = input;
  return startOrder(ctx, {
    order: {
      ...rest,
      orderId: orderId ?? `o-${randomUUID()}`,
      consumptionType: 'subscription',
    },
    paymentWindowMs: windowMs(paymentWindow),
  });
}

/**
 * Renews an order as a new order of type renewal. Manual: the customer's chosen
 * coupon (`couponId`, or none). Auto (`auto: true`): the engine chooses by the
 * auto-renewal rule and pays with the default payment method at once. Terms
 * default to the renewed order's.
 */
export async function renewOrder(
  ctx: EngineClientContext,
  input: {
    orderId: string;
    renewalOrderId?: string;
    auto?: boolean;
    couponId?: string;
    amount?: string;
    durationMonths?: number;
    paymentWindow?: string;
  },
): Promise<{ orderId: string; workflowId: string; state: OrderState }> {
  const renewed = await getOrderState(ctx, input.orderId);
  const auto = input.auto ?? false;
  const durationMonths = input.durationMonths ?? renewed.durationMonths ?? undefined;
  return startOrder(ctx, {
    order: {
      orderId: input.renewalOrderId ?? `o-${randomUUID()}`,
      accountId: renewed.accountId,
      commodityCode: renewed.commodityCode,
      orderType: 'renewal',
      consumptionType: 'subscription',
      amount: input.amount ?? renewed.amount,
      currency: renewed.currency,
      ...(durationMonths !== undefined ? { durationMonths } : {}),
      ...(input.couponId !== undefined ? { couponId: input.couponId } : {}),
      autoRenew: renewed.autoRenew,
    },
    paymentWindowMs: windowMs(input.paymentWindow),
    renewal: { renewsOrderId: input.orderId, auto },
  });
}

// ---- pay, retry, cancel, unsubscribe -------------------------------------------------

/**
 * Pays: charges the payable amount (default payment method, or `method`,
 * tokenized here), then deducts the coupon. A decline or an outage is not an
 * error: the outcome's stage is `payment_failed` and `attempt` says why. Paying
 * an order that is already paid charges nothing and returns the same outcome.
 * `returnWhen: 'provisioned'` returns once provisioning has ended as well (stage
 * `active`, or `provisioning_failed` with the refund and coupon return done):
 * one round trip instead of polling the state.
 */
export function payOrder(
  ctx: OrderClientContext,
  input: { orderId: string; method?: RawPaymentMethod; returnWhen?: 'paid' | 'provisioned' },
  options: OrderCallOptions = {},
): Promise<PaymentOutcome> {
  return sendPayment(ctx, payOrderUpdate, input, options);
}

/** Billing retry of an order in `payment_failed`, optionally with a new payment method. */
export function retryOrderPayment(
  ctx: OrderClientContext,
  input: { orderId: string; method?: RawPaymentMethod },
  options: OrderCallOptions = {},
): Promise<PaymentOutcome> {
  return sendPayment(ctx, retryPaymentUpdate, input, options);
}

/** A payment or its retry: the method (if any) tokenized here, then the update. */
function sendPayment(
  ctx: OrderClientContext,
  update: typeof payOrderUpdate | typeof retryPaymentUpdate,
  input: { orderId: string; method?: RawPaymentMethod; returnWhen?: 'paid' | 'provisioned' },
  options: OrderCallOptions,
): Promise<PaymentOutcome> {
  return refusing(async () => {
    const handle = orderHandle(ctx, input.orderId);
    const paymentMethod = input.method
      ? await tokenize(ctx, handle, input.method, options)
      : undefined;
    try {
      return await handle.executeUpdate(update, {
        args: [
          {
            ...(paymentMethod ? { paymentMethod } : {}),
            ...(input.returnWhen ? { returnWhen: input.returnWhen } : {}),
          },
        ],
        ...options,
      });
    } catch (err) {
      throw (await closedOrderRefusal(ctx, input.orderId, err)) ?? err;
    }
  });
}

/**
 * An update the server could not deliver because the order's workflow had closed
 * (a cancellation that finished first, or an order long closed) is refused as the
 * workflow's own validator would have: `order_closed`, naming the stage.
 */
async function closedOrderRefusal(
  ctx: EngineClientContext,
  orderId: string,
  err: unknown,
): Promise<OrderRefusal | null> {
  if (!(err instanceof WorkflowNotFoundError)) return null;
  const reach = await workflowReach(ctx.client, orderWorkflowId(orderId));
  if (reach.kind !== 'ended') return null;
  return new OrderRefusal('order_closed', `order ${orderId} is ${reach.stage}`, {
    stage: reach.stage,
  });
}

/** Cancels an unpaid order (its coupon is released); refused once paid (`order_already_paid`). */
export function cancelOrder(
  ctx: EngineClientContext,
  input: { orderId: string; reason: string },
  options: OrderCallOptions = {},
): Promise<OrderState> {
  return refusing(() =>
    orderHandle(ctx, input.orderId).executeUpdate(cancelOrderUpdate, {
      args: [{ reason: input.reason }],
      ...options,
    }),
  );
}

/** Fire-and-forget cancellation (a signal); ignored if the order is paid by then. */
export async function requestOrderCancellation(
  ctx: EngineClientContext,
  input: { orderId: string; reason: string },
): Promise<void> {
  await orderHandle(ctx, input.orderId).signal(cancelOrderSignal, { reason: input.reason });
}

/** Ends an active subscription: the unused part comes back by the rules (docs/orders.md). */
export function unsubscribeOrder(
  ctx: EngineClientContext,
  input: { orderId: string; reason?: string },
  options: OrderCallOptions = {},
): Promise<OrderState> {
  return refusing(() =>
    orderHandle(ctx, input.orderId).executeUpdate(unsubscribeOrderUpdate, {
      args: [input.reason !== undefined ? { reason: input.reason } : {}],
      ...options,
    }),
  );
}

// ---- reads ------------------------------------------------------------------------------

export function getOrderState(ctx: EngineClientContext, orderId: string): Promise<OrderState> {
  return refusing(() => orderHandle(ctx, orderId).query(orderStateQuery));
}

/** The order workflow's result once it has ended (cancelled, provisioning failed, ...). */
export function getOrderResult(ctx: EngineClientContext, orderId: string): Promise<OrderResult> {
  return refusing(() => orderHandle(ctx, orderId).result());
}

export interface StuckOrder {
  orderId: string;
  workflowId: string;
  accountId: string | null;
  startTime: Date;
}

/**
 * Orders waiting in `payment_failed` for a retry, found through the BillingStage
 * search attribute (visibility is eventually consistent: a just-failed order may
 * take a moment to appear). The Temporal CLI equivalent:
 *   temporal workflow list --query "WorkflowType = 'order' AND BillingStage = 'payment_failed' AND ExecutionStatus = 'Running'"
 */
export async function listOrdersInPaymentFailed(
  ctx: EngineClientContext,
  filter: { accountId?: string } = {},
): Promise<StuckOrder[]> {
  const clauses = [
    `WorkflowType = 'order'`,
    `BillingStage = 'payment_failed'`,
    `ExecutionStatus = 'Running'`,
    ...(filter.accountId ? [`AccountId = '${filter.accountId.replace(/'/g, '')}'`] : []),
  ];
  const out: StuckOrder[] = [];
  for await (const wf of ctx.client.workflow.list({ query: clauses.join(' AND ') })) {
    const orderId =
      wf.typedSearchAttributes.get(OrderIdKey) ?? wf.workflowId.replace(/^order\//, '');
    out.push({
      orderId,
      workflowId: wf.workflowId,
      accountId: wf.typedSearchAttributes.get(AccountIdKey) ?? null,
      startTime: wf.startTime,
    });
  }
  return out;
}
