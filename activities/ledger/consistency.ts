/**
 * Proof that stored balances are derivable from the ledgers: every
 * Coupon.balance equals the sum of its CouponMovement.balanceDelta, and every
 * Account.fundsBalance the sum of its FundsMovement.amountDelta. Read in one
 * snapshot; returns the mismatches (none when the ledger is sound).
 */
import type { Database } from '../database';
import { runReadOnly } from './operation';
import type { LedgerConsistencyReport } from './types';

export async function checkLedgerConsistency(db: Database): Promise<LedgerConsistencyReport> {
  return runReadOnly(db, async (tx) => {
    const coupons = await tx.$queryRaw<{ couponId: string; balance: string; ledgerSum: string }[]>`
      SELECT c."id" AS "couponId", c."balance"::text AS "balance",
             COALESCE(SUM(m."balanceDelta"), 0)::text AS "ledgerSum"
      FROM "Coupon" c LEFT JOIN "CouponMovement" m ON m."couponId" = c."id"
      GROUP BY c."id", c."balance"
      HAVING c."balance" <> COALESCE(SUM(m."balanceDelta"), 0)
      ORDER BY c."id"`;
    const accounts = await tx.$queryRaw<
      { accountId: string; fundsBalance: string; ledgerSum: string }[]
    >`
      SELECT a."id" AS "accountId", a."fundsBalance"::text AS "fundsBalance",
             COALESCE(SUM(f."amountDelta"), 0)::text AS "ledgerSum"
      FROM "Account" a LEFT JOIN "FundsMovement" f ON f."accountId" = a."id"
      GROUP BY a."id", a."fundsBalance"
      HAVING a."fundsBalance" <> COALESCE(SUM(f."amountDelta"), 0)
      ORDER BY a."id"`;
    return { ok: coupons.length === 0 && accounts.length === 0, coupons, accounts };
  });
}
