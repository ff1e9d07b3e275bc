/**
 * Pure rules of the order workflow (no Temporal calls): the subscription term,
 * the unused part at unsubscription, the pro-rata cash refund, and the details
 * text the Web UI shows for each stage.
 */
import { Dec, formatAmount, parseAmount, roundDeduction, type Amount } from '../../domain/money';
import type { OrderStage, OrderState } from './messages';

/** start + months, in UTC calendar months; a day past the month's end is clamped (Jan 31 + 1 = Feb 28/29). */
export function addMonths(startMs: number, months: number): number {
  const start = new Date(startMs);
  const y = start.getUTCFullYear();
  const m = start.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(
    y,
    m,
    Math.min(start.getUTCDate(), lastDay),
    start.getUTCHours(),
    start.getUTCMinutes(),
    start.getUTCSeconds(),
    start.getUTCMilliseconds(),
  );
}

/**
 * The unused part of the paid term at `nowMs`, in [0, 1], as a decimal string
 * with 6 digits rounded down (the customer is never credited time they used).
 */
export function unusedFraction(startMs: number, endMs: number, nowMs: number): string {
  if (endMs <= startMs || nowMs >= endMs) return '0';
  if (nowMs <= startMs) return '1';
  const fraction = new Dec(endMs - nowMs)
    .dividedBy(endMs - startMs)
    .toDecimalPlaces(6, Dec.ROUND_DOWN);
  return fraction.isZero() ? '0' : fraction.toFixed(6);
}

/** The cash part of an unsubscription: what was charged × the unused fraction, rounded down. */
export function proRataRefund(charged: Amount, fraction: string, state: OrderState): Amount {
  const value = roundDeduction(
    parseAmount(charged, state.currency).times(fraction),
    state.currency,
  );
  return formatAmount(value, state.currency);
}

/** `<id>-r<n>`: the order an auto-renewal at term end starts (`o-1` → `o-1-r1` → `o-1-r2`). */
export function nextRenewalOrderId(orderId: string): string {
  const m = /^(.*)-r(\d+)$/.exec(orderId);
  return m ? `${m[1]}-r${Number(m[2]) + 1}` : `${orderId}-r1`;
}

const money = (amount: string, state: OrderState): string => `${amount} ${state.currency}`;

/** Markdown for the Web UI's current details: where the order stands and what it waits for. */
export function describeOrder(state: OrderState): string {
  const head = `**Order ${state.orderId}** (${state.orderType} of ${state.commodityCode}, account ${state.accountId}): ${money(state.amount, state)}`;
  const coupon = state.coupon
    ? `Coupon ${state.coupon.couponId} (${state.coupon.chosenBy === 'auto_renewal_rule' ? 'chosen by the auto-renewal rule' : "customer's choice"}): ${state.coupon.state}, deduction ${money(state.coupon.deduction, state)}${state.coupon.returned ? `, return: ${state.coupon.returned.rule} ${money(state.coupon.returned.amount, state)}` : ''}. Payable ${money(state.payable, state)}.`
    : `No coupon. Payable ${money(state.payable, state)}.`;
  const lines: Record<OrderStage, string> = {
    creating: 'Creating: checking and freezing the coupon, recording the order.',
    awaiting_payment: `Awaiting payment until ${state.paymentDeadline}; then the order is cancelled and its coupon released.`,
    paying: 'Charging the payment method and deducting the coupon.',
    payment_failed: `Payment failed; waiting for a retry or a cancellation until ${state.paymentDeadline}.`,
    provisioning: `Paid (payment ${state.paymentId ?? 'none: the coupon covered it'}); provisioning.`,
    compensating: `Provisioning failed (${state.provisioningFailure ?? ''}); refunding and returning the coupon.`,
    provisioning_failed: `Provisioning failed (${state.provisioningFailure ?? ''}); payment refunded, coupon returned by the rules.`,
    active: `Active: resource ${state.resourceId ?? ''}${state.termEndsAt ? `, term ends ${state.termEndsAt}${state.autoRenew ? ' (auto-renews)' : ''}` : ''}.`,
    unsubscribing: 'Unsubscribing: removing the resource, returning the unused part.',
    unsubscribed: 'Unsubscribed.',
    cancelled: `Cancelled before payment (${state.cancelReason ?? ''}); coupon released.`,
    term_ended: `Term ended${state.renewedBy ? `; renewed by order ${state.renewedBy}` : ''}.`,
  };
  return [head, lines[state.stage], coupon].join('\n\n');
}
