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

/** A coupon change as written: the row's new values and its movement (operation key aside). */
export interface CouponWrite {
  couponId: string;
  kind: CouponMovementKind;
  balanceAfter: Amount;
  balanceDelta: string;
  statusAfter: CouponStatus;
  frozenForOrderId: string | null;
  orderId: string | null;
  billId: string | null;
  note: string | null;
}

export function couponWrite(
  before: CouponRow,
  change: Omit<CouponChange, 'operationKey'>,
): CouponWrite {
  const balanceBefore = amountOf(before.balance, currencyOf(before.currency));
  return {
    couponId: before.id,
    kind: change.kind,
    balanceAfter: change.balanceAfter,
    balanceDelta: signedDelta(balanceBefore, change.balanceAfter),
    statusAfter: change.statusAfter,
    frozenForOrderId: change.frozenForOrderId,
    orderId: change.orderId ?? null,
    billId: change.billId ?? null,
    note: change.note ?? null,
  };
}

/** Updates the (locked) coupon and appends its movement (snapshot.ts ledger_apply writes the same). */
export async function changeCoupon(
  tx: Tx,
  before: CouponRow,
  change: CouponChange,
): Promise<CouponRow> {
  const { couponId, balanceAfter, statusAfter, frozenForOrderId, ...movement } = couponWrite(
    before,
    change,
  );
  const updated = await tx.coupon.update({
    where: { id: couponId },
    data: { balance: balanceAfter, status: statusAfter, frozenForOrderId },
  });
  await tx.couponMovement.create({
    data: { couponId, balanceAfter, statusAfter, ...movement, operationKey: change.operationKey },
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
