/**
 * Pure rules of the bill workflow (no I/O; unit-tested in test/unit/bill):
 * how a downward adjustment splits what comes back, the bookkeeping of coupon
 * draws and returns, and what the UI's current details say.
 */
import {
  addAmounts,
  compareAmounts,
  isZeroAmount,
  minAmount,
  subAmounts,
  sumAmounts,
  zero,
  type Amount,
  type CurrencyCode,
} from '../../domain/money';
import type { BillCouponUse, BillStage, BillState } from './messages';

/**
 * A downward adjustment (docs/bills.md): each cash coupon gets back its share by
 * domain/returns' `adjusted_cash_pro_rata` rule (rounded down); what is left of the
 * reduction first cancels the bill's arrears (unpaid money is forgiven before paid
 * money is given back), then goes back to funds. Never more than the bill holds.
 */
export function adjustmentSplit(input: {
  reduction: Amount;
  couponsReturned: Amount;
  arrearsHeld: Amount;
  fundsHeld: Amount;
  currency: CurrencyCode;
}): { arrears: Amount; funds: Amount } {
  const cur = input.currency;
  const rest =
    compareAmounts(input.reduction, input.couponsReturned, cur) > 0
      ? subAmounts(input.reduction, input.couponsReturned, cur)
      : zero(cur);
  const arrears = minAmount(rest, input.arrearsHeld, cur);
  const funds = minAmount(subAmounts(rest, arrears, cur), input.fundsHeld, cur);
  return { arrears, funds };
}

/** Adds draws to the bill's coupon list, keeping drawdown order. */
export function addDraws(
  coupons: BillCouponUse[],
  draws: readonly { couponId: string; amount: Amount }[],
  currency: CurrencyCode,
): void {
  for (const draw of draws) {
    const use = coupons.find((c) => c.couponId === draw.couponId);
    if (use) use.drawn = addAmounts(use.drawn, draw.amount, currency);
    else coupons.push({ couponId: draw.couponId, drawn: draw.amount, returned: zero(currency) });
  }
}

/** What the coupon still gives the bill (drawn − returned). */
export const heldByCoupon = (use: BillCouponUse, currency: CurrencyCode): Amount =>
  subAmounts(use.drawn, use.returned, currency);

/** The coupon deduction amount: what coupons paid and still hold. */
export const couponDeductionOf = (coupons: readonly BillCouponUse[], currency: CurrencyCode) =>
  sumAmounts(
    coupons.map((c) => heldByCoupon(c, currency)),
    currency,
  );

/** Settled, or in arrears when part of the bill is the account's arrears. */
export const paidStage = (arrearsAmount: Amount, currency: CurrencyCode): BillStage =>
  isZeroAmount(arrearsAmount, currency) ? 'settled' : 'arrears';

const STAGE_TEXT: Record<BillStage, string> = {
  settling: 'Settling: coupons, then funds, then the payment method',
  payment_failed: 'Bill owed',
  settled: 'Settled: open for rollback or adjustment',
  arrears: 'Unpaid part recorded as arrears: open for rollback or adjustment',
  rolled_back: 'Rolled back',
};

/** Markdown for the Temporal UI's current details. */
export function describeBill(state: BillState): string {
  const cur = state.currency;
  const lines = [
    `**${STAGE_TEXT[state.stage]}**`,
    '',
    `Bill ${state.billId} of account ${state.accountId}: ${state.amount} ${cur}` +
      (state.amount !== state.originalAmount ? ` (billed ${state.originalAmount})` : ''),
    `- coupons: ${state.couponDeduction}` +
      (state.coupons.length > 0
        ? ` (${state.coupons.map((c) => `${c.couponId} ${heldByCoupon(c, cur)}`).join(', ')})`
        : '') +
      (state.couponsBlockedBy ? ` — blocked by ${state.couponsBlockedBy.replace('_', ' ')}` : ''),
    `- funds: ${state.fundsPaid} (charged by recharge: ${state.charged})`,
    `- arrears: ${state.arrearsAmount}`,
  ];
  if (state.stage === 'payment_failed') {
    lines.push(
      `- owed: ${state.outstanding}`,
      '',
      `Give up with \`temporal workflow update execute --workflow-id bill/${state.billId} --name cancelPayment --input '{"reason":"..."}'\` (what is owed becomes arrears).`,
    );
  }
  return lines.join('\n');
}
