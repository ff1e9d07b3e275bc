import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  addAmounts,
  canonicalAmount,
  compareAmounts,
  isZeroAmount,
  parseAmount,
  subAmounts,
  zero,
  type Amount,
} from '../../domain/money';
import { AccountIdKey, BillIdKey, BillingStageKey } from '../search-attributes';
import { parseOrRefuse, refusal, refusalOf } from '../trial-upgrade/refusals';
import type { BillLedgerActivities, BillRowActivities } from './activities';
import {
  AdjustBillSchema,
  BillWorkflowInputSchema,
  CancelPaymentSchema,
  RollbackBillSchema,
  type BillWorkflowInput,
} from './contracts';
import {
  adjustBillUpdate,
  awaitSettlementUpdate,
  billStateQuery,
  cancelPaymentUpdate,
  retryPaymentUpdate,
  rollbackBillUpdate,
  type BillStage,
  type BillState,
} from './messages';
import { DEFAULT_BILL_POLICY, MAX_RECHARGE_ROUNDS, resolveBillPolicy } from './policy';
import { PaymentRetry, setRetryPaymentHandler, type PaymentAttempt } from '../shared/payment-retry';
import {
  addDraws,
  adjustmentSplit,
  couponDeductionOf,
  describeBill,
  heldByCoupon,
  paidStage,
} from './state';

// Ledger and row writes are idempotent by key: retried until the database answers.
// Refusals are non-retryable and end the step with their reason.
const ledgerRetry = {
  initialInterval: '1 second',
  maximumInterval: '1 minute',
  backoffCoefficient: 2,
};
const ledger = proxyActivities<BillLedgerActivities>({
  startToCloseTimeout: '30 seconds',
  retry: ledgerRetry,
});
const rows = proxyActivities<BillRowActivities>({
  startToCloseTimeout: '15 seconds',
  retry: ledgerRetry,
});

const nowIso = (): string => new Date(Date.now()).toISOString();

/**
 * One durable pay-as-you-go bill (seed 002 §Pay-as-you-go bills), id `bill/<billId>`.
 * Settles by cash coupons (soonest expiry, then larger balance), then the account's
 * funds, then — with automatic recharge — the payment method through a recharge;
 * without it the rest is the account's arrears. A failed payment waits in
 * `payment_failed` for a retry or a cancellation. A settled bill stays open for
 * rollback and adjustment until the adjustment window passes with no change.
 * Every ledger write and charge has a key made of the workflow id and the step, so
 * retries, replays and duplicate deliveries change nothing twice.
 */
export async function payAsYouGoBill(raw: BillWorkflowInput): Promise<BillState> {
  const input = parseOrRefuse(BillWorkflowInputSchema, raw);
  const { workflowId } = workflowInfo();
  const key = (step: string): string => `${workflowId}:${step}`;
  const cur = input.currency;
  const policy = resolveBillPolicy(DEFAULT_BILL_POLICY, input.policy);
  // Billing retries shared with orders: charge keys `<workflowId>:charge:<attempt>`,
  // the same key again after an outage, a new one after a decline or a new method.
  const payment = new PaymentRetry({
    workflowId,
    accountId: input.accountId,
    billId: input.billId,
    subject: `bill ${input.billId}`,
  });
  const billedAt = input.billedAt ?? nowIso();
  const billAmount = canonicalAmount(input.amount, cur);

  const state: BillState = {
    billId: input.billId,
    accountId: input.accountId,
    commodityCode: input.commodityCode,
    currency: cur,
    stage: 'settling',
    overdue: input.overdue,
    billedAt,
    originalAmount: billAmount,
    amount: billAmount,
    couponDeduction: zero(cur),
    coupons: [],
    couponsBlockedBy: null,
    fundsPaid: zero(cur),
    charged: zero(cur),
    arrearsAmount: zero(cur),
    outstanding: zero(cur),
    paymentFailure: null,
    payments: [],
    adjustments: [],
    rollback: null,
  };
  let revision = 0;
  let busy = false;
  let changes = 0;
  let firstOutcome = false;
  let closed = false;
  let startFailure: ApplicationFailure | null = null;
  // Counters that make each repeatable step's key unique.
  let cancelCount = 0;
  let adjustCount = 0;

  const snapshot = (): BillState => ({
    ...state,
    couponDeduction: couponDeductionOf(state.coupons, cur),
    coupons: state.coupons.map((c) => ({ ...c })),
    payments: payment.attempts.map((p) => ({ ...p })),
    adjustments: state.adjustments.map((a) => ({ ...a })),
    ...(state.paymentFailure ? { paymentFailure: { ...state.paymentFailure } } : {}),
    ...(state.rollback ? { rollback: { ...state.rollback } } : {}),
  });

  let shownStage: BillStage | null = null;
  const refresh = (): void => {
    state.couponDeduction = couponDeductionOf(state.coupons, cur);
    if (state.stage !== shownStage) {
      shownStage = state.stage;
      upsertSearchAttributes([{ key: BillingStageKey, value: state.stage }]);
    }
    setCurrentDetails(
      state.stage === 'payment_failed'
        ? payment.failedDetails(describeBill(state))
        : describeBill(state),
    );
  };
  const setStage = (stage: BillStage): void => {
    state.stage = stage;
    refresh();
  };

  /** The Bill row: status, amount and arrears from here; ledger amounts read by the activity. */
  const persist = async (): Promise<void> => {
    await rows.recordBill({
      billId: input.billId,
      revision: ++revision,
      status: state.stage === 'settling' ? 'pending' : state.stage,
      amount: state.amount,
      arrearsAmount: state.arrearsAmount,
    });
  };

  const add = (a: Amount, b: Amount): Amount => addAmounts(a, b, cur);
  const sub = (a: Amount, b: Amount): Amount => subAmounts(a, b, cur);
  const isZero = (a: Amount): boolean => isZeroAmount(a, cur);

  // ---- settlement ------------------------------------------------------------------

  const enterPaymentFailed = async (
    reason: string,
    message: string,
    amount: Amount,
    attempt: number,
  ): Promise<void> => {
    state.paymentFailure = { reason, message, attempt, amount, at: nowIso() };
    log.warn('bill payment failed; waiting for a retry or a cancellation', { reason, attempt });
    setStage('payment_failed');
    await persist();
  };

  const settledNow = async (): Promise<void> => {
    state.paymentFailure = null;
    setStage(paidStage(state.arrearsAmount, cur));
    await persist();
  };

  const failedAttempt = (attempt: PaymentAttempt): Promise<void> =>
    enterPaymentFailed(
      attempt.reason ?? 'payment_failed',
      attempt.message ?? 'the payment did not succeed',
      attempt.amount,
      attempt.attempt,
    );

  /**
   * Pays `state.outstanding` through automatic recharge: charge the payment method
   * for the shortfall plus the account's arrears (a recharge clears arrears first,
   * activities/ledger/funds.ts), add it to funds as a recharge, pay the bill from funds.
   */
  const payByRecharge = async (): Promise<void> => {
    for (let round = 0; !isZero(state.outstanding); round++) {
      if (round === MAX_RECHARGE_ROUNDS) {
        return enterPaymentFailed(
          'recharge_short',
          `${MAX_RECHARGE_ROUNDS} recharges did not cover the bill (the account's arrears grew meanwhile)`,
          state.outstanding,
          payment.last?.attempt ?? 0,
        );
      }
      const account = await rows.getBillAccountStatus(input.accountId);
      const amount = add(state.outstanding, account.arrears);
      const attempt = await payment.charge(amount, cur);
      refresh();
      if (attempt.status === 'failed' || attempt.paymentId === null) return failedAttempt(attempt);
      state.charged = add(state.charged, amount);
      await ledger.addFunds({
        accountId: input.accountId,
        amount,
        currency: cur,
        kind: 'recharge',
        reference: attempt.paymentId,
        operationKey: `${attempt.idempotencyKey}:recharge`,
      });
      const paid = await ledger.payBillFromFunds({
        accountId: input.accountId,
        billId: input.billId,
        amount: state.outstanding,
        currency: cur,
        operationKey: `${attempt.idempotencyKey}:pay`,
      });
      state.fundsPaid = add(state.fundsPaid, paid.paid);
      state.outstanding = paid.remainder;
      refresh();
    }
    await settledNow();
  };

  /** Settles `amount` of the bill: coupons, funds, then recharge or arrears. */
  const settle = async (amount: Amount, step: string, at: string): Promise<void> => {
    setStage('settling');
    const drawdown = await ledger.drawDownBill({
      billId: input.billId,
      accountId: input.accountId,
      commodityCode: input.commodityCode,
      amount,
      currency: cur,
      overdue: input.overdue,
      at,
      operationKey: key(`${step}:drawdown`),
    });
    addDraws(state.coupons, drawdown.draws, cur);
    state.couponsBlockedBy = drawdown.blockedBy;
    state.outstanding = drawdown.remainder;
    refresh();
    if (!isZero(state.outstanding)) {
      const paid = await ledger.payBillFromFunds({
        accountId: input.accountId,
        billId: input.billId,
        amount: state.outstanding,
        currency: cur,
        operationKey: key(`${step}:funds`),
      });
      state.fundsPaid = add(state.fundsPaid, paid.paid);
      state.outstanding = paid.remainder;
      refresh();
    }
    if (isZero(state.outstanding)) return settledNow();
    const account = await rows.getBillAccountStatus(input.accountId);
    if (account.automaticRechargeEnabled) return payByRecharge();
    // Seed 000 step 8: without automatic recharge the payment method is not charged.
    await recordArrear(key(`${step}:arrears`));
    await settledNow();
  };

  const recordArrear = async (operationKey: string): Promise<void> => {
    await ledger.recordArrears({
      accountId: input.accountId,
      billId: input.billId,
      amount: state.outstanding,
      currency: cur,
      operationKey,
    });
    state.arrearsAmount = add(state.arrearsAmount, state.outstanding);
    state.outstanding = zero(cur);
  };

  // ---- returns ---------------------------------------------------------------------

  /** returnCoupon for every coupon still holding part of the bill; the total given back. */
  const returnCoupons = async (
    event:
      | { type: 'bill_rolled_back' }
      | { type: 'bill_adjusted'; originalAmount: Amount; adjustedAmount: Amount },
    step: string,
  ): Promise<Amount> => {
    let total = zero(cur);
    for (const use of state.coupons) {
      if (isZero(heldByCoupon(use, cur))) continue;
      const decision = await ledger.returnCoupon({
        couponId: use.couponId,
        billId: input.billId,
        commodityCode: input.commodityCode,
        event,
        operationKey: key(`${step}:coupon:${use.couponId}`),
        at: nowIso(),
      });
      use.returned = add(use.returned, decision.returnedAmount);
      total = add(total, decision.returnedAmount);
      refresh();
    }
    return total;
  };

  const returnPayment = async (
    funds: Amount,
    arrears: Amount,
    event: 'bill_rolled_back' | 'bill_adjusted',
    step: string,
  ): Promise<{ fundsReturned: Amount; arrearsWrittenOff: Amount; arrearsRefunded: Amount }> => {
    if (isZero(funds) && isZero(arrears)) {
      return { fundsReturned: zero(cur), arrearsWrittenOff: zero(cur), arrearsRefunded: zero(cur) };
    }
    const back = await ledger.returnBillPayment({
      accountId: input.accountId,
      billId: input.billId,
      currency: cur,
      funds,
      arrears,
      event,
      operationKey: key(`${step}:payment`),
    });
    state.fundsPaid = sub(state.fundsPaid, back.fundsReturned);
    state.arrearsAmount = sub(
      state.arrearsAmount,
      add(back.arrearsWrittenOff, back.arrearsRefunded),
    );
    refresh();
    return back;
  };

  // ---- steps: one at a time ----------------------------------------------------------

  const guardOpen = (): void => {
    if (startFailure) throw startFailure;
    if (state.stage === 'rolled_back') {
      throw refusal('bill_rolled_back', `bill ${input.billId} was rolled back`);
    }
    if (closed) {
      throw refusal('bill_closed', `bill ${input.billId} is closed: its adjustment window passed`);
    }
  };
  const guardPaymentFailed = (): void => {
    guardOpen();
    if (state.stage !== 'payment_failed') {
      throw refusal(
        'payment_not_failed',
        `bill ${input.billId} is ${state.stage}, not payment_failed`,
        {
          stage: state.stage,
        },
      );
    }
  };
  /** The shared handler's validator already checked the stage; checked again once it is our turn. */
  const guardRetry = (): void => {
    guardOpen();
    if (state.stage !== 'payment_failed') {
      throw refusal(
        'not_awaiting_retry',
        `bill ${input.billId} is not waiting for a payment retry`,
      );
    }
  };
  const guardRollback = (): void => {
    guardOpen();
    if (state.stage === 'settling') {
      throw refusal('bill_not_settled', `bill ${input.billId} is still settling`);
    }
  };
  const guardAdjust = (adjustedAmount?: string): void => {
    guardRollback();
    if (state.stage === 'payment_failed') {
      throw refusal(
        'payment_pending',
        `bill ${input.billId} waits for its payment: retry or cancel it before adjusting`,
      );
    }
    if (adjustedAmount === undefined) return;
    try {
      parseAmount(adjustedAmount, cur);
    } catch (err) {
      throw refusal('invalid_input', `adjustedAmount: ${(err as Error).message}`, {
        fields: [{ path: 'adjustedAmount', message: (err as Error).message }],
      });
    }
    if (compareAmounts(adjustedAmount, state.amount, cur) === 0) {
      throw refusal('adjustment_unchanged', `adjustedAmount: the bill is already ${state.amount}`, {
        field: 'adjustedAmount',
      });
    }
  };

  const step = async <T>(guard: () => void, fn: () => Promise<T>): Promise<T> => {
    await condition(() => firstOutcome || startFailure !== null);
    while (busy) await condition(() => !busy);
    guard();
    busy = true;
    changes++;
    try {
      return await fn();
    } finally {
      busy = false;
      refresh();
    }
  };

  // ---- handlers ----------------------------------------------------------------------

  setRetryPaymentHandler(retryPaymentUpdate, {
    awaitingRetry: () => !closed && state.stage === 'payment_failed',
    describe: () => `bill ${input.billId}`,
    retry: (method) =>
      step(guardRetry, async () => {
        // A new method is recorded as the account's default and used from now on.
        if (method) await payment.useMethod(method);
        setStage('settling');
        await payByRecharge();
        return snapshot();
      }),
  });

  setHandler(
    cancelPaymentUpdate,
    (raw) => {
      const { reason } = CancelPaymentSchema.parse(raw);
      return step(guardPaymentFailed, async () => {
        log.info('bill payment cancelled; the amount owed becomes arrears', { reason });
        await recordArrear(key(`cancel:${++cancelCount}:arrears`));
        await settledNow();
        return snapshot();
      });
    },
    {
      validator: (raw) => {
        parseOrRefuse(CancelPaymentSchema, raw);
        guardPaymentFailed();
      },
    },
  );

  setHandler(
    rollbackBillUpdate,
    (raw) => {
      const { reason } = RollbackBillSchema.parse(raw);
      return step(guardRollback, async () => {
        const couponsReturned = await returnCoupons({ type: 'bill_rolled_back' }, 'rollback');
        const back = await returnPayment(
          state.fundsPaid,
          state.arrearsAmount,
          'bill_rolled_back',
          'rollback',
        );
        state.rollback = {
          reason,
          couponsReturned,
          ...back,
          outstandingDropped: state.outstanding,
          at: nowIso(),
        };
        state.outstanding = zero(cur);
        setStage('rolled_back');
        await persist();
        return snapshot();
      });
    },
    {
      validator: (raw) => {
        parseOrRefuse(RollbackBillSchema, raw);
        guardRollback();
      },
    },
  );

  setHandler(
    adjustBillUpdate,
    (raw) => {
      const { adjustedAmount, reason } = AdjustBillSchema.parse(raw);
      return step(
        () => guardAdjust(adjustedAmount),
        async () => {
          const from = state.amount;
          const to = canonicalAmount(adjustedAmount, cur);
          const n = ++adjustCount;
          const at = nowIso();
          if (compareAmounts(to, from, cur) > 0) {
            // Upward: the difference is settled like a bill of its own.
            state.amount = to;
            state.adjustments.push({
              from,
              to,
              reason,
              couponsReturned: zero(cur),
              fundsReturned: zero(cur),
              arrearsWrittenOff: zero(cur),
              arrearsRefunded: zero(cur),
              at,
            });
            // The ledger caps coupon draws at the stored bill amount: raise it first.
            await persist();
            await settle(sub(to, from), `adjust:${n}`, at);
            return snapshot();
          }
          const couponsReturned = await returnCoupons(
            { type: 'bill_adjusted', originalAmount: from, adjustedAmount: to },
            `adjust:${n}`,
          );
          const split = adjustmentSplit({
            reduction: sub(from, to),
            couponsReturned,
            arrearsHeld: state.arrearsAmount,
            fundsHeld: state.fundsPaid,
            currency: cur,
          });
          const back = await returnPayment(
            split.funds,
            split.arrears,
            'bill_adjusted',
            `adjust:${n}`,
          );
          state.amount = to;
          state.adjustments.push({ from, to, reason, couponsReturned, ...back, at });
          setStage(paidStage(state.arrearsAmount, cur));
          await persist();
          return snapshot();
        },
      );
    },
    {
      validator: (raw) => {
        const { adjustedAmount } = parseOrRefuse(AdjustBillSchema, raw);
        guardAdjust(adjustedAmount);
      },
    },
  );

  setHandler(awaitSettlementUpdate, async () => {
    await condition(() => firstOutcome || startFailure !== null);
    if (startFailure) throw startFailure;
    return snapshot();
  });
  setHandler(billStateQuery, snapshot);

  // ---- run ---------------------------------------------------------------------------

  upsertSearchAttributes([
    { key: BillIdKey, value: input.billId },
    { key: AccountIdKey, value: input.accountId },
  ]);
  refresh();
  try {
    await rows.openBill({
      billId: input.billId,
      accountId: input.accountId,
      commodityCode: input.commodityCode,
      amount: billAmount,
      currency: cur,
      overdue: input.overdue,
    });
  } catch (err) {
    const refused = refusalOf(err);
    if (!refused) throw err;
    // Pending awaitSettlement updates get the reason, then the workflow fails with it.
    startFailure = refusal(refused.type ?? 'bill_refused', refused.message, {
      ...((refused.details?.[0] as Record<string, unknown> | undefined) ?? {}),
    });
    await condition(allHandlersFinished);
    throw startFailure;
  }
  busy = true;
  try {
    await settle(billAmount, 'settle', billedAt);
  } finally {
    busy = false;
    firstOutcome = true;
  }

  // Open for retry, cancellation, rollback and adjustment; closes after a quiet window.
  for (;;) {
    if (state.stage === 'rolled_back' && !busy) break;
    if (busy || state.stage === 'settling' || state.stage === 'payment_failed') {
      // A failed payment waits for ops as long as it takes: the bill is never lost.
      await condition(
        () =>
          !busy &&
          (state.stage === 'settled' || state.stage === 'arrears' || state.stage === 'rolled_back'),
      );
      continue;
    }
    const seen = changes;
    const changed = await condition(
      () => changes !== seen || state.stage === 'rolled_back',
      policy.adjustmentWindowMs,
    );
    if (!changed && !busy) break;
  }
  closed = true;
  refresh();
  await condition(allHandlersFinished);
  return snapshot();
}
