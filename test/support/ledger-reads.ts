/**
 * Reads of ledger rows for assertions (issue 5): a coupon's stored state and its
 * movements in a compact, comparable form (amounts as Prisma prints them:
 * "70", "-30", "0").
 */
import type { Database } from '../../activities/database';

export interface CouponState {
  balance: string;
  status: string;
  frozenForOrderId: string | null;
}

export async function couponState(db: Database, couponId: string): Promise<CouponState> {
  const row = await db.coupon.findUniqueOrThrow({ where: { id: couponId } });
  return {
    balance: row.balance.toString(),
    status: row.status,
    frozenForOrderId: row.frozenForOrderId,
  };
}

export interface MovementRow {
  kind: string;
  delta: string;
  after: string;
  status: string;
  orderId: string | null;
  billId: string | null;
}

/** The coupon's movements after its grant ('redeem'), oldest first. */
export async function movementsAfterGrant(db: Database, couponId: string): Promise<MovementRow[]> {
  const rows = await db.couponMovement.findMany({ where: { couponId }, orderBy: { id: 'asc' } });
  return rows
    .filter((m) => m.kind !== 'redeem')
    .map((m) => ({
      kind: m.kind,
      delta: m.balanceDelta.toString(),
      after: m.balanceAfter.toString(),
      status: m.statusAfter,
      orderId: m.orderId,
      billId: m.billId,
    }));
}

export async function fundsOf(
  db: Database,
  accountId: string,
): Promise<{ funds: string; arrears: string; movements: { kind: string; delta: string }[] }> {
  const account = await db.account.findUniqueOrThrow({ where: { id: accountId } });
  const movements = await db.fundsMovement.findMany({
    where: { accountId },
    orderBy: { id: 'asc' },
  });
  return {
    funds: account.fundsBalance.toString(),
    arrears: account.arrears.toString(),
    movements: movements.map((m) => ({ kind: m.kind, delta: m.amountDelta.toString() })),
  };
}
