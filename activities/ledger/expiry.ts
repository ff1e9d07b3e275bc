/**
 * Ending coupons: expiry (recorded by the sweep; reads already say "expired" at
 * the instant, domain/coupon effectiveStatus) and invalidation (ops withdraw a
 * coupon). Both keep the balance (the ledger shows what was left when it ended)
 * and write one movement. A coupon frozen for an unpaid order is ended too; the
 * movement names that order, so the order's later release records letting go
 * (order-coupons releaseCoupon) instead of being refused.
 */
import { effectiveStatus } from '../../domain';
import type { Database } from '../database';
import { lockCoupons, lockDueCoupons } from './locks';
import { changeCoupon } from './movements';
import { runOperation } from './operation';
import { LedgerRefusal } from './refusal';
import { amountOf, currencyOf, loadCoupon, toDomainCoupon } from './rows';
import type {
  CouponStateResult,
  ExpireCouponsInput,
  ExpireCouponsResult,
  InvalidateCouponInput,
} from './types';

const DEFAULT_BATCH = 500;

/** One batch of the sweep: coupons still stored available or frozen whose expiry is at or before `at`. */
export async function expireCoupons(
  db: Database,
  input: ExpireCouponsInput,
): Promise<ExpireCouponsResult> {
  const { operationKey, ...request } = input;
  const batchSize = input.batchSize ?? DEFAULT_BATCH;
  return runOperation(db, { key: operationKey, kind: 'expireCoupons', request }, async (tx) => {
    const locked = await lockDueCoupons(tx, input.at, batchSize);
    const expiredCouponIds: string[] = [];
    for (const id of locked) {
      const row = await loadCoupon(tx, id); // read again after locking
      if (effectiveStatus(toDomainCoupon(row), input.at) !== 'expired' || row.status === 'expired')
        continue;
      if (row.status !== 'available' && row.status !== 'frozen') continue;
      await changeCoupon(tx, row, {
        kind: 'expire',
        balanceAfter: amountOf(row.balance, currencyOf(row.currency)),
        statusAfter: 'expired',
        frozenForOrderId: null,
        orderId: row.frozenForOrderId,
        operationKey,
        note: `expired at ${row.expiresAt.toISOString()}`,
      });
      expiredCouponIds.push(id);
    }
    return { expiredCouponIds, more: locked.length === batchSize };
  });
}

export async function invalidateCoupon(
  db: Database,
  input: InvalidateCouponInput,
): Promise<CouponStateResult> {
  const { operationKey, at, ...request } = input;
  return runOperation(db, { key: operationKey, kind: 'invalidateCoupon', request }, async (tx) => {
    await lockCoupons(tx, [input.couponId]);
    const row = await loadCoupon(tx, input.couponId);
    if (row.status === 'invalid') {
      throw new LedgerRefusal('coupon_already_invalid', `coupon ${row.id} is already invalid`, {
        couponId: row.id,
      });
    }
    const balance = amountOf(row.balance, currencyOf(row.currency));
    await changeCoupon(tx, row, {
      kind: 'invalidate',
      balanceAfter: balance,
      statusAfter: 'invalid',
      frozenForOrderId: null,
      orderId: row.frozenForOrderId,
      operationKey,
      note: `invalidated at ${at}: ${input.reason}`,
    });
    return { couponId: row.id, status: 'invalid', balance };
  });
}
