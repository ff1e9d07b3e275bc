/**
 * The decided operations' SQL (activities/ledger/snapshot.ts), called directly, so a
 * test can put a change between an operation's read and its write.
 */
import type { Database } from '../../activities/database';
import { T0, uid } from './ledger-fixtures';

/** A drawDownBill input: a bill of `amount` USD (a new bill id unless given), its own key. */
export const drawdownInput = (accountId: string, amount = '1.00', billId = uid('bill')) => ({
  billId,
  accountId,
  commodityCode: 'ecs',
  amount,
  currency: 'USD' as const,
  overdue: false,
  at: T0,
  operationKey: uid('op'),
});

/** A drawdown's coupon write as ledger_apply takes it: 5.00 drawn from a 50.00 cash coupon. */
export const drawOfFive = (couponId: string, billId: string, note: string) => ({
  couponId,
  kind: 'deduct',
  balanceAfter: '45.00',
  balanceDelta: '-5.00',
  statusAfter: 'available',
  frozenForOrderId: null,
  orderId: null,
  billId,
  note,
});

export interface RawSnapshot {
  /** null: a drawdown's unlocked read carries none. */
  stateHash: string | null;
  operation: unknown;
  state: {
    versions?: { account: string | null; bill: string | null; coupons: Record<string, string> };
  };
}

/**
 * ledger_snapshot with its state: unlocked, as the optimistic path reads it; or with
 * locks (held only by this statement), as the locked path reads it.
 */
export async function readSnapshot(
  db: Database,
  operation: string,
  key: string,
  args: Record<string, string>,
  lock = false,
): Promise<RawSnapshot> {
  const rows = await db.$queryRaw<{ s: RawSnapshot }[]>`
    SELECT ledger_snapshot(${operation}, ${key}, ${JSON.stringify(args)}::jsonb, ${lock}) AS s`;
  const first = rows[0];
  if (!first) throw new Error('no snapshot');
  return first.s;
}

/** ledger_apply, alone: its outcome (an error it raises rejects). */
export async function applyRaw(
  db: Database,
  operation: string,
  key: string,
  args: Record<string, string>,
  stateHash: string | null,
  changes: unknown,
): Promise<{ outcome: string } | undefined> {
  const rows = await db.$queryRaw<{ o: { outcome: string } }[]>`
    SELECT ledger_apply(${operation}, ${key}, ${JSON.stringify(args)}::jsonb, ${stateHash},
                        'test-hash', '{}'::jsonb, ${JSON.stringify(changes)}::jsonb) AS o`;
  return rows[0]?.o;
}

/** ledger_apply_group's outcomes for these operations. */
export async function applyGroupRaw(
  db: Database,
  ops: unknown[],
): Promise<{ outcome: string; sqlstate?: string }[] | undefined> {
  const rows = await db.$queryRaw<{ o: { outcome: string; sqlstate?: string }[] }[]>`
    SELECT ledger_apply_group(${JSON.stringify(ops)}::jsonb) AS o`;
  return rows[0]?.o;
}
