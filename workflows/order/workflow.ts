/**
 * One durable order (seed 002 §Paying an order, §Returns), id `order/<orderId>`:
 *
 *   creating → awaiting_payment → paying → provisioning → active → unsubscribed | term_ended
 *                 │    ↑   │                    └→ compensating → provisioning_failed
 *                 │    └ payment_failed (waits for retryPayment or a cancellation)
 *                 └→ cancelled (cancel update/signal, or the payment window passed)
 *
 * The chosen coupon is frozen at creation (the rules engine's refusal names every
 * reason), released when the unpaid order is cancelled, deducted right after the
 * charge, and returned by the rules when provisioning fails for good (a saga:
 * each step registers its compensation as it succeeds) or the resource is
 * unsubscribed. Every side effect is an idempotent activity keyed by the
 * workflow id and step. Payment steps run one at a time.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { OrderActivities } from '../../activities/orders/activities';
import type { PaymentActivities } from '../../activities/payment/activities';
import type { TokenizedPaymentMethod } from '../../activities/payment/ports';
import type { ProvisioningActivities } from '../../activities/provisioning/activities';
import type { ReturnEvent } from '../../domain/returns';
import { canonicalAmount, isZeroAmount, zero } from '../../domain/money';
import { orderWorkflowId } from '../ids';
import { AccountIdKey, BillingStageKey, CouponIdKey, OrderIdKey } from '../search-attributes';
import { PaymentRetry, setRetryPaymentHandler } from '../shared/payment-retry';
import { parseOrRefuse, refusal, refusalOf } from '../trial-upgrade/refusals';
import {
  CancelOrderSchema,
  OrderWorkflowInputSchema,
  PayOrderSchema,
  UnsubscribeOrderSchema,
  type OrderWorkflowInput,
} from './contracts';
import type { OrderLedgerActivities } from './ledger';
import {
  awaitCreatedUpdate,
  cancelOrderSignal,
  cancelOrderUpdate,
  orderStateQuery,
  payOrderUpdate,
  retryPaymentUpdate,
  unsubscribeOrderUpdate,
  type OrderRefund,
  type OrderResult,
  type OrderStage,
  type OrderState,
  type PaymentOutcome,
} from './messages';
import {
  addMonths,
  describeOrder,
  nextRenewalOrderId,
  proRataRefund,
  unusedFraction,
} from './state';

const retry = { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 };

// Ledger and Order-row steps retry until they succeed: refusals are non-retryable.
const ledgerSteps = { startToCloseTimeout: '30 seconds', retry } as const;
const orderRowSteps = { startToCloseTimeout: '10 seconds', retry } as const;
/**
 * The same database steps as local activities (patch LOCAL_DATABASE_STEPS): they run
 * inside the workflow task that calls them, without an activity task's round trip
 * through the server. Same timeouts, retries and idempotency keys; a worker that dies
 * during one fails its workflow task, and the next worker runs every local step of that
 * task again, each under its key (or, for the Order row, the same whole snapshot). The
 * gateway and the provider stay activities (slow, external, server-side retry timers).
 */
const databaseSteps = (local: boolean) => {
  const proxy = local ? proxyLocalActivities : proxyActivities;
  // Named one by one: the proxies have no keys of their own to spread.
  const { freezeCouponForOrder, releaseCoupon, deductCoupon, returnCoupon } =
    proxy<OrderLedgerActivities>(ledgerSteps);
  const { recordOrder } = proxy<OrderActivities>(orderRowSteps);
  return { freezeCouponForOrder, releaseCoupon, deductCoupon, returnCoupon, recordOrder };
};
/**
 * Always an activity task: a local activity runs again with every other local step of
 * its workflow task when a worker dies before that task completes, and the renewal's
 * choice must not be made again after the freeze it led to (the frozen coupon would no
 * longer be the rule's choice). Recorded in history, the choice holds on replay.
 */
const { chooseRenewalCoupon } = proxyActivities<OrderLedgerActivities>(ledgerSteps);
const activityDatabaseSteps = databaseSteps(false);
const localDatabaseSteps = databaseSteps(true);
/** Patch id: orders started from this version run their database steps as local activities. */
const LOCAL_DATABASE_STEPS = 'order-local-database-steps';
// A refund is a compensation: it must happen, so it retries (same key) until it does.
const { refundPayment } = proxyActivities<PaymentActivities>({
  startToCloseTimeout: '30 seconds',
  retry,
});
// Provisioning: a few tries for outages; then it has failed for good and the saga compensates.
const { provisionOrder } = proxyActivities<ProvisioningActivities>({
  startToCloseTimeout: '1 minute',
  retry: { ...retry, maximumInterval: '30 seconds', maximumAttempts: 3 },
});
const { deprovisionOrder } = proxyActivities<ProvisioningActivities>({
  startToCloseTimeout: '1 minute',
  retry,
});

const iso = (ms: number): string => new Date(ms).toISOString();

export async function order(rawInput: OrderWorkflowInput): Promise<OrderResult> {
  const { workflowId, firstExecutionRunId } = workflowInfo();
  // Decided once, before the first command: a run keeps one kind of step for its whole history.
  const activities = patched(LOCAL_DATABASE_STEPS) ? localDatabaseSteps : activityDatabaseSteps;
  // Ledger keys carry the run: a failed creation may be started again under the same id.
  const opKey = (step: string): string => `${workflowId}@${firstExecutionRunId}:${step}`;
  const input = parseOrRefuse(OrderWorkflowInputSchema, rawInput);
  const o = input.order;
  const createdAt = Date.now();
  const at = (): string => iso(Date.now());

  const state: OrderState = {
    orderId: o.orderId,
    workflowId,
    accountId: o.accountId,
    commodityCode: o.commodityCode,
    orderType: o.orderType,
    amount: canonicalAmount(o.amount, o.currency),
    currency: o.currency,
    durationMonths: o.durationMonths ?? null,
    autoRenew: o.autoRenew,
    renewal: input.renewal ?? null,
    stage: 'creating',
    status: 'pending_payment',
    coupon: null,
    payable: canonicalAmount(o.amount, o.currency),
    paymentDeadline: iso(createdAt + input.paymentWindowMs),
    paymentId: null,
    payments: [],
    refunds: [],
    resourceId: null,
    provisioningFailure: null,
    cancelReason: null,
    provisionedAt: null,
    termEndsAt: null,
    unsubscription: null,
    renewedBy: null,
  };
  const payment = new PaymentRetry({
    workflowId,
    accountId: o.accountId,
    orderId: o.orderId,
    subject: `order ${o.orderId}`,
  });
  const deadlineMs = createdAt + input.paymentWindowMs;
  let created = false;
  let startFailure: ApplicationFailure | null = null;
  let paid = false;
  let closed = false;
  let busy = false;
  let cancelRequest: string | null = null;
  let unsubscribeRequest: string | null = null;
  /** Saga: undo steps registered as the steps they undo succeed; run in reverse. */
  const compensations: { name: string; run: () => Promise<void> }[] = [];

  let shownStage: OrderStage | null = null;
  const refresh = (): void => {
    state.payments = [...payment.attempts];
    if (state.stage !== shownStage) {
      shownStage = state.stage;
      upsertSearchAttributes([{ key: BillingStageKey, value: state.stage }]);
    }
    setCurrentDetails(
      state.stage === 'payment_failed'
        ? payment.failedDetails(describeOrder(state))
        : describeOrder(state),
    );
  };
  const enter = (stage: OrderStage): void => {
    state.stage = stage;
    refresh();
  };
  const persist = async (): Promise<void> => {
    await activities.recordOrder({
      orderId: state.orderId,
      accountId: state.accountId,
      commodityCode: state.commodityCode,
      orderType: state.orderType,
      amount: state.amount,
      currency: state.currency,
      ...(state.durationMonths !== null ? { durationMonths: state.durationMonths } : {}),
      couponId: state.coupon?.couponId ?? null,
      couponDeduction: state.coupon?.deduction ?? zero(state.currency),
      payable: state.payable,
      status: state.status,
      paymentId: state.paymentId,
    });
  };

  /** One payment / cancellation step at a time. */
  const exclusive = async <T>(fn: () => Promise<T>): Promise<T> => {
    while (busy) await condition(() => !busy);
    busy = true;
    try {
      return await fn();
    } finally {
      busy = false;
      refresh();
    }
  };

  const outcome = (): PaymentOutcome => ({
    orderId: state.orderId,
    stage: state.stage,
    status: state.status,
    paid,
    paymentId: state.paymentId,
    payable: state.payable,
    couponDeduction: state.coupon?.deduction ?? zero(state.currency),
    attempt: payment.last,
  });

  const guardUnpaidOpen = (): void => {
    if (startFailure) throw startFailure;
    if (closed || cancelRequest !== null) {
      throw refusal('order_closed', `order ${state.orderId} is ${state.stage}`, {
        stage: state.stage,
      });
    }
  };

  // ---- payment ------------------------------------------------------------------
  const refund = async (amount: string, reason: OrderRefund['reason']): Promise<void> => {
    if (!state.paymentId || isZeroAmount(amount, state.currency)) return;
    const refunded = await refundPayment({
      paymentId: state.paymentId,
      amount,
      idempotencyKey: `${workflowId}:refund:${reason}`,
    });
    state.refunds.push({ refundId: refunded.refundId, amount, reason, status: refunded.status });
    if (refunded.status !== 'succeeded') {
      log.error('refund declined by the gateway; billing staff must settle it', {
        orderId: state.orderId,
        refundId: refunded.refundId,
      });
    }
  };

  const couponReturn = async (event: ReturnEvent, step: string): Promise<void> => {
    const coupon = state.coupon;
    if (!coupon || coupon.state !== 'deducted') return;
    const decided = await activities.returnCoupon({
      couponId: coupon.couponId,
      orderId: state.orderId,
      commodityCode: state.commodityCode,
      event,
      operationKey: opKey(step),
      at: at(),
    });
    coupon.state = decided.outcome === 'returned' ? 'returned' : 'not_returned';
    coupon.returned = { amount: decided.returnedAmount, rule: decided.rule, event: event.type };
  };

  /** Charge the payable amount, then deduct the coupon; a failed charge waits for a retry. */
  const pay = (method: TokenizedPaymentMethod | undefined): Promise<PaymentOutcome> =>
    exclusive(async () => {
      await condition(() => created || startFailure !== null);
      if (paid) return outcome(); // the same payment asked again: nothing happens twice
      guardUnpaidOpen();
      const before = state.stage;
      enter('paying');
      try {
        return await charge(method);
      } catch (err) {
        if (state.stage === 'paying') enter(before);
        throw err;
      }
    });

  const charge = async (method: TokenizedPaymentMethod | undefined): Promise<PaymentOutcome> => {
    if (method) await payment.useMethod(method);
    if (!isZeroAmount(state.payable, state.currency)) {
      const attempt = await payment.charge(state.payable, state.currency);
      if (attempt.status !== 'succeeded') {
        state.status = 'payment_failed';
        await persist();
        enter('payment_failed');
        return outcome();
      }
      state.paymentId = attempt.paymentId;
      compensations.push({
        name: 'refund the payment',
        run: () => refund(state.payable, 'provisioning_failed'),
      });
    }
    const coupon = state.coupon;
    if (coupon) {
      try {
        await activities.deductCoupon({
          couponId: coupon.couponId,
          orderId: state.orderId,
          amount: coupon.deduction,
          operationKey: opKey('deduct'),
          at: at(),
        });
      } catch (err) {
        const refused = refusalOf(err);
        if (!refused) throw err;
        // The coupon expired or was invalidated while frozen: undo the charge, cancel the order.
        await refund(state.payable, 'coupon_no_longer_usable');
        cancelRequest = `coupon_no_longer_usable: ${refused.message}`;
        throw refusal(
          'coupon_no_longer_usable',
          `coupon ${coupon.couponId} can no longer pay order ${state.orderId} (${refused.message}); the payment was refunded and the order is cancelled`,
          { couponId: coupon.couponId, ledger: refused.type },
        );
      }
      coupon.state = 'deducted';
      compensations.push({
        name: 'return the coupon',
        run: () => couponReturn({ type: 'provisioning_failed' }, 'return:provisioning-failed'),
      });
    }
    paid = true;
    state.status = 'paid';
    await persist();
    enter('provisioning');
    return outcome();
  };

  const cancelUnpaid = (reason: string): Promise<boolean> =>
    exclusive(async () => {
      if (paid) return false;
      const coupon = state.coupon;
      if (coupon && coupon.state === 'frozen') {
        await activities.releaseCoupon({
          couponId: coupon.couponId,
          orderId: state.orderId,
          operationKey: opKey('release'),
          at: at(),
        });
        coupon.state = 'released';
      }
      state.cancelReason = reason;
      state.status = 'cancelled';
      await persist();
      closed = true;
      enter('cancelled');
      return true;
    });

  // ---- handlers -----------------------------------------------------------------
  setHandler(
    payOrderUpdate,
    (raw) => {
      const { paymentMethod, returnWhen } = PayOrderSchema.parse(raw);
      // The default returns pay's own promise, exactly as before `returnWhen` existed (replay).
      if (returnWhen !== 'provisioned') return pay(paymentMethod);
      return pay(paymentMethod).then(async (paying) => {
        if (!paying.paid) return paying;
        // No command: the update completes in the workflow task that ends provisioning.
        await condition(() => state.stage !== 'provisioning' && state.stage !== 'compensating');
        return outcome();
      });
    },
    {
      validator: (raw) => {
        parseOrRefuse(PayOrderSchema, raw);
        if (!paid) guardUnpaidOpen();
      },
    },
  );
  setRetryPaymentHandler(retryPaymentUpdate, {
    awaitingRetry: () => payment.failed && !paid && !closed && cancelRequest === null,
    describe: () => `order ${state.orderId}`,
    retry: (method) => pay(method),
  });

  const guardCancel = (): void => {
    if (startFailure) throw startFailure;
    if (paid) {
      throw refusal(
        'order_already_paid',
        `order ${state.orderId} is paid; unsubscribe instead of cancelling`,
      );
    }
    if (closed) throw refusal('order_closed', `order ${state.orderId} is ${state.stage}`);
  };
  setHandler(
    cancelOrderUpdate,
    async (raw) => {
      const { reason } = CancelOrderSchema.parse(raw);
      cancelRequest ??= reason;
      await condition(() => closed || paid);
      if (state.stage !== 'cancelled') guardCancel(); // a payment got there first
      return { ...state };
    },
    {
      validator: (raw) => {
        parseOrRefuse(CancelOrderSchema, raw);
        guardCancel();
      },
    },
  );
  setHandler(cancelOrderSignal, (raw) => {
    const parsed = CancelOrderSchema.safeParse(raw);
    if (paid || closed) {
      log.warn('cancellation ignored: the order is no longer unpaid', { stage: state.stage });
      return;
    }
    cancelRequest ??= parsed.success ? parsed.data.reason : 'cancelled by signal';
  });

  const guardUnsubscribe = (): void => {
    if (state.stage !== 'active' || unsubscribeRequest !== null) {
      throw refusal('order_not_active', `order ${state.orderId} is ${state.stage}`, {
        stage: state.stage,
      });
    }
  };
  setHandler(
    unsubscribeOrderUpdate,
    async (raw) => {
      const { reason } = UnsubscribeOrderSchema.parse(raw);
      guardUnsubscribe();
      unsubscribeRequest = reason ?? 'unsubscribed by the customer';
      await condition(() => closed);
      if (state.stage !== 'unsubscribed') guardUnsubscribe();
      return { ...state };
    },
    {
      validator: (raw) => {
        parseOrRefuse(UnsubscribeOrderSchema, raw);
        guardUnsubscribe();
      },
    },
  );

  setHandler(awaitCreatedUpdate, async () => {
    await condition(() => created || startFailure !== null);
    if (startFailure) throw startFailure;
    return { ...state };
  });
  setHandler(orderStateQuery, () => ({ ...state, payments: [...payment.attempts] }));

  const finish = async (result: OrderResult['outcome']): Promise<OrderResult> => {
    closed = true;
    refresh();
    await condition(allHandlersFinished);
    return { orderId: state.orderId, outcome: result, state: { ...state } };
  };

  upsertSearchAttributes([
    { key: OrderIdKey, value: o.orderId },
    { key: AccountIdKey, value: o.accountId },
  ]);
  refresh();

  // ---- creation: choose (auto-renewal) and freeze the coupon, record the order ----
  try {
    let couponId = o.couponId;
    let chosenBy: 'customer' | 'auto_renewal_rule' = 'customer';
    if (input.renewal?.auto) {
      const choice = await chooseRenewalCoupon({
        accountId: o.accountId,
        orderId: o.orderId,
        commodityCode: o.commodityCode,
        amount: state.amount,
        currency: o.currency,
        ...(o.durationMonths !== undefined ? { durationMonths: o.durationMonths } : {}),
        at: at(),
      });
      if (choice) {
        couponId = choice.couponId;
        chosenBy = 'auto_renewal_rule';
      }
    }
    if (couponId !== undefined) {
      try {
        const frozen = await activities.freezeCouponForOrder({
          accountId: o.accountId,
          couponId,
          orderId: o.orderId,
          commodityCode: o.commodityCode,
          orderType: o.orderType,
          amount: state.amount,
          currency: o.currency,
          ...(o.durationMonths !== undefined ? { durationMonths: o.durationMonths } : {}),
          otherOffersApplied: o.otherOffersApplied,
          at: at(),
          operationKey: opKey('freeze'),
        });
        state.coupon = { couponId, chosenBy, deduction: frozen.deduction, state: 'frozen' };
        state.payable = frozen.payable;
        upsertSearchAttributes([{ key: CouponIdKey, value: couponId }]);
      } catch (err) {
        const refused = refusalOf(err);
        if (!refused) throw err;
        // The engine's choice was taken by another order meanwhile: renew without a coupon.
        if (chosenBy === 'auto_renewal_rule') {
          log.warn('auto-renewal coupon could not be frozen; renewing without one', {
            couponId,
            reason: refused.message,
          });
        } else {
          throw refusal(refused.type ?? 'coupon_not_eligible', refused.message, {
            ...((refused.details?.[0] as Record<string, unknown> | undefined) ?? {}),
          });
        }
      }
    }
    try {
      await persist();
    } catch (err) {
      if (state.coupon?.state === 'frozen') {
        await activities.releaseCoupon({
          couponId: state.coupon.couponId,
          orderId: o.orderId,
          operationKey: opKey('release'),
          at: at(),
        });
        state.coupon.state = 'released';
      }
      const refused = refusalOf(err);
      if (!refused) throw err;
      throw refusal(refused.type ?? 'invalid_input', refused.message, {
        ...((refused.details?.[0] as Record<string, unknown> | undefined) ?? {}),
      });
    }
  } catch (err) {
    if (!(err instanceof ApplicationFailure)) throw err;
    // Refused with every reason: pending awaitCreated updates get it, then the workflow fails with it.
    startFailure = err;
    closed = true;
    state.cancelReason = err.message;
    enter('cancelled');
    await condition(allHandlersFinished);
    throw err;
  }
  created = true;
  enter('awaiting_payment');

  // Auto-renewal: nobody is at the payment page; pay with the default method now.
  if (input.renewal?.auto) {
    try {
      await pay(undefined);
    } catch (err) {
      if (!(err instanceof ApplicationFailure)) throw err;
      log.warn('auto-renewal payment refused', { reason: err.message });
    }
  }

  // ---- unpaid: wait for payment, a cancellation, or the end of the payment window ----
  while (!paid) {
    if (!busy && cancelRequest !== null) {
      if (await cancelUnpaid(cancelRequest)) return finish('cancelled');
      continue;
    }
    const remaining = deadlineMs - Date.now();
    if (remaining <= 0) {
      await condition(() => paid || !busy);
      if (!paid && (await cancelUnpaid('payment_window_expired'))) return finish('cancelled');
      continue;
    }
    await condition(() => paid || (!busy && cancelRequest !== null), remaining);
  }
  await condition(() => !busy);

  // ---- provisioning, with the saga on final failure ----------------------------------
  try {
    const resource = await provisionOrder({
      orderId: state.orderId,
      accountId: state.accountId,
      commodityCode: state.commodityCode,
      orderType: state.orderType,
      ...(state.durationMonths !== null ? { durationMonths: state.durationMonths } : {}),
      idempotencyKey: `${workflowId}:provision`,
    });
    state.resourceId = resource.resourceId;
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
    state.provisioningFailure = cause instanceof Error ? cause.message : String(cause);
    enter('compensating');
    for (const step of [...compensations].reverse()) {
      log.info('compensating provisioning failure', { step: step.name });
      await step.run();
    }
    state.status = 'provisioning_failed';
    await persist();
    state.stage = 'provisioning_failed';
    return finish('provisioning_failed');
  }
  const provisionedAt = Date.now();
  state.provisionedAt = iso(provisionedAt);
  const termEnd =
    state.durationMonths !== null ? addMonths(provisionedAt, state.durationMonths) : null;
  state.termEndsAt = termEnd !== null ? iso(termEnd) : null;
  state.status = 'provisioned';
  await persist();
  enter('active');

  // ---- active: until unsubscribed, or the term ends ----------------------------------
  const unsubscribeAsked = (): boolean => unsubscribeRequest !== null;
  const unsubscribed =
    termEnd !== null
      ? await condition(unsubscribeAsked, Math.max(termEnd - Date.now(), 1))
      : (await condition(unsubscribeAsked), true);
  if (unsubscribed) {
    enter('unsubscribing');
    // The unused part of the paid term: no term (no duration) means nothing unused to give back.
    const fraction = termEnd !== null ? unusedFraction(provisionedAt, termEnd, Date.now()) : '0';
    state.unsubscription = {
      at: at(),
      unusedFraction: fraction,
      reason: unsubscribeRequest ?? '',
    };
    if (state.resourceId) {
      await deprovisionOrder({
        resourceId: state.resourceId,
        idempotencyKey: `${workflowId}:deprovision`,
      });
    }
    await couponReturn(
      { type: 'resource_unsubscribed', unusedFraction: fraction },
      'return:unsubscribed',
    );
    await refund(proRataRefund(state.payable, fraction, state), 'unsubscribed');
    state.status = 'unsubscribed';
    await persist();
    state.stage = 'unsubscribed';
    return finish('unsubscribed');
  }

  // Term end: an auto-renewing order starts its renewal, which picks its coupon by rule.
  if (state.autoRenew) {
    const renewalId = nextRenewalOrderId(state.orderId);
    await startChild(order, {
      workflowId: orderWorkflowId(renewalId),
      parentClosePolicy: ParentClosePolicy.ABANDON,
      args: [
        {
          order: {
            orderId: renewalId,
            accountId: state.accountId,
            commodityCode: state.commodityCode,
            orderType: 'renewal',
            consumptionType: 'subscription',
            amount: state.amount,
            currency: state.currency,
            ...(state.durationMonths !== null ? { durationMonths: state.durationMonths } : {}),
            autoRenew: true,
          },
          paymentWindowMs: input.paymentWindowMs,
          renewal: { renewsOrderId: state.orderId, auto: true },
        },
      ],
      typedSearchAttributes: [
        { key: OrderIdKey, value: renewalId },
        { key: AccountIdKey, value: state.accountId },
        { key: BillingStageKey, value: 'creating' },
      ],
      staticSummary: `Auto-renewal ${renewalId} of order ${state.orderId}`,
    });
    state.renewedBy = renewalId;
  }
  state.stage = 'term_ended';
  return finish('term_ended');
}
