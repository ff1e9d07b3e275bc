/**
 * Returns (seed 002 §Returns): the domain's decideReturn says what comes back;
 * the ledger says how much was used for that order or bill, so a return never
 * gives back more than was deducted there.
 */
import {
  decideReturn,
  formatAmount,
  zero,
  type CouponStatus,
  type ReturnDecision,
} from '../../domain';
import type { Database } from '../database';
import { syncBillCouponDeduction } from './bills';
import { lockCoupons, lockOrder } from './locks';
import { changeCoupon } from './movements';
import { runOperation } from './operation';
import { couponUse, type Target } from './order-use';
import { LedgerRefusal } from './refusal';
import { loadCoupon, loadProduct, toDomainCoupon } from './rows';
import type { ReturnCouponInput, ReturnCouponResult } from './types';

export async function returnCoupon(
  db: Database,
  input: ReturnCouponInput,
): Promise<ReturnCouponResult> {
  const { operationKey, at, ...request } = input;
  return runOperation(db, { key: operationKey, kind: 'returnCoupon', request }, async (tx) => {
    const target: Target =
      input.orderId !== undefined ? { orderId: input.orderId } : { billId: input.billId ?? '' };
    if (input.orderId !== undefined) await lockOrder(tx, input.orderId);
    await lockCoupons(tx, [input.couponId]);
    const row = await loadCoupon(tx, input.couponId);
    const product = await loadProduct(tx, input.commodityCode);
    const coupon = toDomainCoupon(row);
    const currency = coupon.currency;

    let decision: ReturnDecision;
    let frozenForOrderId: string | null = null;
    if (
      input.orderId !== undefined &&
      row.status === 'frozen' &&
      row.frozenForOrderId === input.orderId
    ) {
      // Frozen for this unpaid order: nothing was booked, so only a cancellation frees it.
      if (input.event.type !== 'order_cancelled_before_payment') {
        throw notDeducted(row.id, target);
      }
      decision = decideReturn(coupon, zero(currency), input.event, product, at);
    } else {
      const use = await couponUse(tx, row, target);
      if (use.outstanding.lessThanOrEqualTo(0)) throw notDeducted(row.id, target);
      // Frozen for ANOTHER order: judged as not frozen (this order's value was booked),
      // and it stays frozen for the other order afterwards.
      const judged =
        row.status === 'frozen'
          ? { ...coupon, status: 'available' as const, frozenForOrderId: undefined }
          : coupon;
      decision = decideReturn(
        judged,
        formatAmount(use.outstanding, currency),
        input.event,
        product,
        at,
      );
      if (row.status === 'frozen' && decision.statusAfter === 'available') {
        decision = { ...decision, statusAfter: 'frozen' satisfies CouponStatus };
        frozenForOrderId = row.frozenForOrderId;
      }
    }
    await changeCoupon(tx, row, {
      kind: decision.outcome === 'released' ? 'release' : 'return',
      balanceAfter: decision.balanceAfter,
      statusAfter: decision.statusAfter,
      frozenForOrderId,
      ...target,
      operationKey,
      note: `${input.event.type}: ${decision.rule} (${decision.message})`,
    });
    if (input.billId !== undefined) await syncBillCouponDeduction(tx, input.billId);
    return { ...decision, couponId: row.id };
  });
}

const notDeducted = (couponId: string, target: Target): LedgerRefusal =>
  new LedgerRefusal(
    'coupon_not_deducted_for_order',
    `coupon ${couponId} has nothing deducted for ${'orderId' in target ? `order ${target.orderId}` : `bill ${target.billId}`} to return`,
    { couponId, ...target },
  );
