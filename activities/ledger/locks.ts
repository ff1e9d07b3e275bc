/**
 * Row locks. Lock order, always: operation key (advisory) → accounts (sorted by
 * id) → redemption code → order (advisory) → coupons (sorted by id). Every
 * operation takes its locks in this order, so two operations can never wait on
 * each other in a cycle. Under READ COMMITTED, a statement after the lock sees
 * the latest committed row, so values are read again after locking.
 */
import { advisoryLock, LOCK_CLASS, type Tx } from './operation';

const sortedUnique = (ids: readonly string[]): string[] =>
  [...new Set(ids)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** Locks the accounts; returns the ids that exist. */
export async function lockAccounts(tx: Tx, ids: readonly string[]): Promise<Set<string>> {
  const sorted = sortedUnique(ids);
  if (sorted.length === 0) return new Set();
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT "id" FROM "Account" WHERE "id" = ANY(${sorted}::text[]) ORDER BY "id" FOR UPDATE`;
  return new Set(rows.map((r) => r.id));
}

export async function lockRedemptionCode(tx: Tx, code: string): Promise<boolean> {
  const rows = await tx.$queryRaw<{ code: string }[]>`
    SELECT "code" FROM "RedemptionCode" WHERE "code" = ${code} FOR UPDATE`;
  return rows.length > 0;
}

/** Serialises coupon choices for one order (one coupon per order), whether or not an Order row exists. */
export async function lockOrder(tx: Tx, orderId: string): Promise<void> {
  await advisoryLock(tx, LOCK_CLASS.order, orderId);
}

/** Locks the coupons; returns the ids that exist. */
export async function lockCoupons(tx: Tx, ids: readonly string[]): Promise<Set<string>> {
  const sorted = sortedUnique(ids);
  if (sorted.length === 0) return new Set();
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT "id" FROM "Coupon" WHERE "id" = ANY(${sorted}::text[]) ORDER BY "id" FOR UPDATE`;
  return new Set(rows.map((r) => r.id));
}

/**
 * The sweep's batch: up to `limit` coupons still stored available or frozen whose
 * expiry is at or before `at`, locked; coupons another operation holds are
 * skipped (the next sweep takes them), so busy rows never fill a batch.
 */
export async function lockDueCoupons(tx: Tx, at: string, limit: number): Promise<string[]> {
  // Prisma keeps DateTime as UTC timestamps without a zone: compare in UTC.
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT "id" FROM "Coupon"
    WHERE "status" IN ('available', 'frozen')
      AND "expiresAt" <= (${at}::timestamptz AT TIME ZONE 'UTC')
    ORDER BY "id" LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
  return rows.map((r) => r.id);
}
