/**
 * The order workflow's messages: updates (each validated before it enters
 * history), the state query, and the cancel signal. Types here are what the
 * client library returns.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Amount, CurrencyCode } from '../../domain/money';
import type { OrderType } from '../../domain/coupon';
import type { ReturnRule } from '../../domain/returns';
import type { OrderStatus } from '../../activities/orders/activities';
import { defineRetryPaymentUpdate, type PaymentAttempt } from '../shared/payment-retry';
import type { CancelOrderInput, PayOrderInput, UnsubscribeOrderInput } from './contracts';

/** Where an order stands; also its BillingStage search attribute. */
export type OrderStage =
  | 'creating'
  | 'awaiting_payment'
  | 'paying'
  | 'payment_failed'
  | 'provisioning'
  | 'compensating'
  | 'provisioning_failed'
  | 'active'
  | 'unsubscribing'
  | 'unsubscribed'
  | 'cancelled'
  | 'term_ended';

export type OrderCouponState = 'frozen' | 'released' | 'deducted' | 'returned' | 'not_returned';

export interface OrderCoupon {
  couponId: string;
  /** How the coupon was chosen: by the customer, or by the auto-renewal rule. */
  chosenBy: 'customer' | 'auto_renewal_rule';
  /** Quoted at freeze; booked at payment. */
  deduction: Amount;
  state: OrderCouponState;
  /** Set once a return was decided (provisioning failure, unsubscription). */
  returned?: { amount: Amount; rule: ReturnRule; event: string };
}

export interface OrderRefund {
  refundId: string;
  amount: Amount;
  reason: 'provisioning_failed' | 'unsubscribed' | 'coupon_no_longer_usable';
  status: 'succeeded' | 'declined';
}

export interface OrderState {
  orderId: string;
  workflowId: string;
  accountId: string;
  commodityCode: string;
  orderType: Exclude<OrderType, 'payg_bill'>;
  amount: Amount;
  currency: CurrencyCode;
  durationMonths: number | null;
  autoRenew: boolean;
  renewal: { renewsOrderId: string; auto: boolean } | null;
  stage: OrderStage;
  status: OrderStatus;
  coupon: OrderCoupon | null;
  /** amount − coupon deduction: what the payment method is charged. */
  payable: Amount;
  paymentDeadline: string;
  paymentId: string | null;
  payments: PaymentAttempt[];
  refunds: OrderRefund[];
  resourceId: string | null;
  provisioningFailure: string | null;
  cancelReason: string | null;
  provisionedAt: string | null;
  termEndsAt: string | null;
  /** Set at unsubscription: when, and the unused part of the term that came back. */
  unsubscription: { at: string; unusedFraction: string; reason: string } | null;
  /** The renewal order this order started at term end (auto-renewal). */
  renewedBy: string | null;
}

export interface PaymentOutcome {
  orderId: string;
  stage: OrderStage;
  status: OrderStatus;
  paid: boolean;
  paymentId: string | null;
  payable: Amount;
  couponDeduction: Amount;
  /** The last attempt, when one was made. */
  attempt: PaymentAttempt | null;
}

export interface OrderResult {
  orderId: string;
  outcome: 'cancelled' | 'provisioning_failed' | 'unsubscribed' | 'term_ended';
  state: OrderState;
}

/** Refusal types the order's updates use (ApplicationFailure.type), besides the ledger's. */
export type OrderRefusalCode =
  | 'invalid_input'
  | 'order_closed'
  | 'order_already_paid'
  | 'order_not_active'
  | 'not_awaiting_retry'
  | 'coupon_no_longer_usable';

// ---- updates -------------------------------------------------------------------

/** Waits until the order is created (coupon frozen, row written); refusals name every reason. */
export const awaitCreatedUpdate = defineUpdate<OrderState>('awaitCreated');
export const payOrderUpdate = defineUpdate<PaymentOutcome, [PayOrderInput]>('payOrder');
export const retryPaymentUpdate = defineRetryPaymentUpdate<PaymentOutcome>();
export const cancelOrderUpdate = defineUpdate<OrderState, [CancelOrderInput]>('cancelOrder');
export const unsubscribeOrderUpdate = defineUpdate<OrderState, [UnsubscribeOrderInput]>(
  'unsubscribeOrder',
);

// ---- queries and signals -------------------------------------------------------

export const orderStateQuery = defineQuery<OrderState>('orderState');
/** Fire-and-forget cancellation (e.g. from the Temporal CLI); ignored once paid. */
export const cancelOrderSignal = defineSignal<[CancelOrderInput]>('requestOrderCancellation');
