/**
 * Pay-as-you-go bills (seed 002 §Pay-as-you-go bills): the domain's drawDownBill
 * picks and chains the account's accessible cash coupons (own and shared); each
 * draw is one 'deduct' movement with the bill id. Coupons are locked (sorted ids)
 * and read again before the domain sees them, so concurrent bills drawing on the
 * same coupon queue up and each sees what the previous one left. A bill is
 * covered once: coupons draw at most the bill amount (the Bill row's, when it
 * exists) less what they already cover for it (an earlier drawdown under another
 * key), so no value is drawn twice; an upward adjustment raises the row first.
 */
import {
  Dec,
  drawDownBill as drawDown,
  effectiveStatus,
  formatAmount,
  parseAmount,
  zero,
} from '../../domain';
import type { Database } from '../database';
import { accessibleWhere, resolveAccess } from './access';
import { lockAccounts, lockCoupons } from './locks';
import { changeCoupon } from './movements';
import { runOperation, type Tx } from './operation';
import { netCouponDeduction } from './order-use';
import { amountRoundedUp, loadProduct, toDomainCoupon } from './rows';
import type { BillDrawdownResult, DrawDownBillInput } from './types';

export async function drawDownBill(
  db: Database,
  input: DrawDownBillInput,
): Promise<BillDrawdownResult> {
  const { operationKey, at, ...request } = input;
  return runOperation(db, { key: operationKey, kind: 'drawDownBill', request }, async (tx) => {
    // Account first (lock order), so arrears cannot change under the decision.
    await lockAccounts(tx, [input.accountId]);
    const access = await resolveAccess(tx, input.accountId);
    const product = await loadProduct(tx, input.commodityCode);
    const account = await tx.account.findUniqueOrThrow({ where: { id: input.accountId } });

    // Active coupons the account may use; the domain decides which of them draw.
    const candidates = await tx.coupon.findMany({
      where: { AND: [accessibleWhere(access), { status: { in: ['available', 'frozen'] } }] },
      select: { id: true },
    });
    await lockCoupons(
      tx,
      candidates.map((c) => c.id),
    );
    // Judged again under the coupon locks: a share cancelled meanwhile no longer counts.
    const lockedAccess = await resolveAccess(tx, input.accountId);
    const rows = await tx.coupon.findMany({
      where: {
        AND: [{ id: { in: candidates.map((c) => c.id) } }, accessibleWhere(lockedAccess)],
      },
    });
    const byId = new Map(rows.map((r) => [r.id, r]));

    // One bill is covered once: an earlier drawdown of it (under another key) counts.
    // The bill's amount is its stored row's when there is one (an upward adjustment
    // raises it, then settles the difference); otherwise the requested amount.
    const covered = await netCouponDeduction(tx, { billId: input.billId });
    const requested = parseAmount(input.amount, input.currency);
    const billRow = await tx.bill.findUnique({
      where: { id: input.billId },
      select: { amount: true },
    });
    const billAmount = billRow ? new Dec(billRow.amount.toString()) : requested;
    const owed = Dec.max(Dec.min(requested, billAmount.minus(covered)), 0);
    if (owed.isZero()) {
      return {
        billId: input.billId,
        draws: [],
        couponDeduction: zero(input.currency),
        remainder: zero(input.currency),
        blockedBy: null,
      };
    }

    const arrears = new Dec(account.arrears.toString());
    const drawdown = drawDown(
      rows.map(toDomainCoupon),
      {
        billId: input.billId,
        accountId: input.accountId,
        product,
        amount: formatAmount(owed, input.currency),
        currency: input.currency,
        overdue: input.overdue,
        outstandingArrears: arrears.isZero()
          ? zero(input.currency)
          : amountRoundedUp(account.arrears, input.currency),
        sharedCouponIds: lockedAccess.sharedCouponIds,
      },
      at,
    );
    for (const draw of drawdown.draws) {
      const row = byId.get(draw.couponId);
      if (!row) throw new Error(`drawdown named coupon ${draw.couponId} that was not offered`);
      const coupon = toDomainCoupon(row);
      await changeCoupon(tx, row, {
        kind: 'deduct',
        balanceAfter: draw.balanceAfter,
        statusAfter: effectiveStatus({ ...coupon, balance: draw.balanceAfter }, at),
        frozenForOrderId: null,
        billId: input.billId,
        operationKey,
        note: `drew ${draw.amount} for bill ${input.billId}`,
      });
    }
    if (drawdown.draws.length > 0) await syncBillCouponDeduction(tx, input.billId);
    return {
      billId: drawdown.billId,
      draws: drawdown.draws,
      couponDeduction: drawdown.couponDeduction,
      remainder: drawdown.remainder,
      blockedBy: drawdown.blockedBy,
    };
  });
}

/**
 * Bill.couponDeduction, when the bill row exists: what its coupons took, net of
 * what came back (returns call this too).
 */
export async function syncBillCouponDeduction(tx: Tx, billId: string): Promise<void> {
  const net = await netCouponDeduction(tx, { billId });
  await tx.bill.updateMany({ where: { id: billId }, data: { couponDeduction: net.toString() } });
}
