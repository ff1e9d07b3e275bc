/**
 * The two append-only ledgers. Every change of a coupon's balance or status is
 * written together with its movement, and every change of an account's funds
 * with its funds movement, in the caller's transaction on a locked row; so
 * Coupon.balance always equals the sum of its movements and
 * Account.fundsBalance the sum of its funds movements.
 */
import { Dec, type Amount, type CouponStatus } from '../../domain';
import type { CouponMovementKind, FundsMovementKind } from '../../generated/prisma/client';
import type { Tx } from './operation';
import { amountOf, currencyOf, signedDelta, type CouponRow } from './rows';

export interface CouponChange {
  kind: CouponMovementKind;
  balanceAfter: Amount;
  statusAfter: CouponStatus;
  /** The order the coupon is frozen for after this change (null: none). */
  frozenForOrderId: string | null;
  orderId?: string | null;
  billId?: string | null;
  operationKey: string;
  note?: string;
}

/** Updates the (locked) coupon and appends its movement. */
export async function changeCoupon(
  tx: Tx,
  before: CouponRow,
  change: CouponChange,
): Promise<CouponRow> {
  const currency = currencyOf(before.currency);
  const balanceBefore = amountOf(before.balance, currency);
  const updated = await tx.coupon.update({
    where: { id: before.id },
    data: {
      balance: change.balanceAfter,
      status: change.statusAfter,
      frozenForOrderId: change.frozenForOrderId,
    },
  });
  await tx.couponMovement.create({
    data: {
      couponId: before.id,
      kind: change.kind,
      balanceDelta: signedDelta(balanceBefore, change.balanceAfter),
      balanceAfter: change.balanceAfter,
      statusAfter: change.statusAfter,
      orderId: change.orderId ?? null,
      billId: change.billId ?? null,
      operationKey: change.operationKey,
      note: change.note ?? null,
    },
  });
  return updated;
}

export interface FundsChange {
  kind: FundsMovementKind;
  /** Signed change, e.g. "25.00" or "-10.00". */
  delta: Dec;
  billId?: string;
  reference?: string;
  operationKey: string;
}

/** Moves the (locked) account's funds and appends the movement; returns the new balance. */
export async function moveFunds(tx: Tx, accountId: string, change: FundsChange): Promise<Dec> {
  const account = await tx.account.findUniqueOrThrow({
    where: { id: accountId },
    select: { fundsBalance: true },
  });
  const after = new Dec(account.fundsBalance.toString()).plus(change.delta);
  // The CHECK constraint refuses a negative balance too; callers never ask for one.
  if (after.isNegative()) throw new Error(`funds of ${accountId} would go below 0`);
  await tx.account.update({ where: { id: accountId }, data: { fundsBalance: after.toString() } });
  await tx.fundsMovement.create({
    data: {
      accountId,
      kind: change.kind,
      amountDelta: change.delta.toString(),
      balanceAfter: after.toString(),
      billId: change.billId ?? null,
      reference: change.reference ?? null,
      operationKey: change.operationKey,
    },
  });
  return after;
}
