/**
 * The pay-as-you-go bill's messages: updates for the waits on settlement, payment
 * retry or cancellation, rollback and adjustment (each validated before it enters
 * history), and the state query. Types here are what the client library returns.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Amount, CurrencyCode } from '../../domain/money';
import {
  defineRetryPaymentUpdate,
  type PaymentAttempt,
  type RetryPaymentInput,
} from '../shared/payment-retry';
import type {
  AdjustBillInput,
  BillWorkflowInput,
  CancelPaymentInput,
  RollbackBillInput,
} from './contracts';

export type {
  AdjustBillInput,
  BillWorkflowInput,
  CancelPaymentInput,
  PaymentAttempt,
  RetryPaymentInput,
  RollbackBillInput,
};

/**
 * Where a bill stands (the `BillingStage` search attribute):
 * settling → settled | arrears | payment_failed; payment_failed → settling (retry)
 * or arrears (cancellation); settled / arrears → rolled_back, or adjusted in place.
 */
export type BillStage = 'settling' | 'payment_failed' | 'settled' | 'arrears' | 'rolled_back';

/** What one coupon gave the bill, and what came back to it. */
export interface BillCouponUse {
  couponId: string;
  drawn: Amount;
  returned: Amount;
}

/** Why the payment method could not pay, and how often it was tried. */
export interface PaymentFailure {
  /** card_declined, insufficient_funds, expired_card, invalid_payment_method, gateway_unavailable, no_payment_method, … */
  reason: string;
  message: string;
  /** The attempt number of the failed charge (its key is `<workflowId>:charge:<attempt>`). */
  attempt: number;
  /** What the payment method was asked for: the shortfall (plus arrears a recharge clears). */
  amount: Amount;
  at: string;
}

export interface BillAdjustment {
  from: Amount;
  to: Amount;
  reason: string;
  /** Downward: what went back to coupons, funds, and arrears. Upward: what was settled. */
  couponsReturned: Amount;
  fundsReturned: Amount;
  arrearsWrittenOff: Amount;
  arrearsRefunded: Amount;
  at: string;
}

export interface BillRollback {
  reason: string;
  couponsReturned: Amount;
  fundsReturned: Amount;
  arrearsWrittenOff: Amount;
  arrearsRefunded: Amount;
  /** The payment the bill was waiting for when it was rolled back, dropped. */
  outstandingDropped: Amount;
  at: string;
}

export interface BillState {
  billId: string;
  accountId: string;
  commodityCode: string;
  currency: CurrencyCode;
  stage: BillStage;
  overdue: boolean;
  billedAt: string;
  originalAmount: Amount;
  /** Now, after adjustments. */
  amount: Amount;
  /** The "coupon deduction amount": what coupons paid and still hold. */
  couponDeduction: Amount;
  /** Every coupon the bill drew from, in drawdown order. */
  coupons: BillCouponUse[];
  /** Set when arrears kept coupons from paying (seed 002 §Pay-as-you-go). */
  couponsBlockedBy: 'overdue_bill' | 'outstanding_arrears' | null;
  /** Paid from the account's funds (recharges included), less what came back. */
  fundsPaid: Amount;
  /** Charged to the payment method by automatic recharge for this bill. */
  charged: Amount;
  /** Recorded as the account's arrears and still held by this bill. */
  arrearsAmount: Amount;
  /** Still owed while the payment has failed. */
  outstanding: Amount;
  paymentFailure: PaymentFailure | null;
  /** Every charge attempt (shared billing retries: keys `<workflowId>:charge:<attempt>`). */
  payments: PaymentAttempt[];
  adjustments: BillAdjustment[];
  rollback: BillRollback | null;
}

export type BillRefusalCode =
  | 'invalid_input'
  | 'bill_not_settled' // still settling
  | 'not_awaiting_retry' // retry outside payment_failed (shared billing retries)
  | 'payment_not_failed' // cancel outside payment_failed
  | 'payment_pending' // adjust while the payment has failed
  | 'bill_rolled_back'
  | 'adjustment_unchanged'
  | 'bill_closed';

// ---- updates -----------------------------------------------------------------------

/** Waits until the first settlement has an outcome (settled, arrears or payment_failed). */
export const awaitSettlementUpdate = defineUpdate<BillState>('awaitSettlement');
/** payment_failed only: charge again (optionally a new payment method, which becomes the default). */
export const retryPaymentUpdate = defineRetryPaymentUpdate<BillState>();
/** payment_failed only: give up on the payment; what is owed becomes the account's arrears. */
export const cancelPaymentUpdate = defineUpdate<BillState, [CancelPaymentInput]>('cancelPayment');
/** Returns what the bill's coupons paid (seed 002 §Returns) and what it took from funds and arrears. */
export const rollbackBillUpdate = defineUpdate<BillState, [RollbackBillInput]>('rollbackBill');
/** Changes the bill's amount; down returns by the documented rule, up settles the difference. */
export const adjustBillUpdate = defineUpdate<BillState, [AdjustBillInput]>('adjustBill');

// ---- queries -----------------------------------------------------------------------

export const billStateQuery = defineQuery<BillState>('billState');
