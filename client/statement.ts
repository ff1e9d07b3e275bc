/**
 * Read side of the coupon and funds ledgers, for signup services, ops and the demo:
 * an account's balances, its coupons with every movement, its funds movements, and
 * the charges and refunds sent to the payment gateway. Read-only queries on the
 * engine's database; every change goes through a workflow (redeem a promo or
 * coupon code: `addFundsWithPromoCode`; spend: orders and bills).
 */
import { checkDatabaseReachable, createDatabase, type Database } from '../activities/database';
import { amountOf, currencyOf } from '../activities/ledger/rows';
import { Dec, formatAmount, type Amount, type CurrencyCode } from '../domain/money';
import type { Account as AccountRow, Prisma } from '../generated/prisma/client';
import type { EngineEnv } from '../worker/config';

export type { Database };

/** A movement's signed change, e.g. "-30.00" (amounts themselves are never negative). */
function signedAmount(value: Prisma.Decimal, currency: CurrencyCode): string {
  const d = new Dec(value.toString());
  return `${d.isNegative() ? '-' : ''}${formatAmount(d.abs(), currency)}`;
}

/** DATABASE_URL, or the embedded PostgreSQL that `npm start` runs (EMBEDDED_POSTGRES_PORT). */
export function engineDatabaseUrl(
  env: Pick<EngineEnv, 'DATABASE_URL' | 'EMBEDDED_POSTGRES_PORT'>,
): string {
  return (
    env.DATABASE_URL ??
    `postgresql://billing:billing-dev@127.0.0.1:${env.EMBEDDED_POSTGRES_PORT}/billing`
  );
}

/** Connects (one line naming the variable when nothing answers). */
export async function openLedgerReader(
  env: Pick<EngineEnv, 'DATABASE_URL' | 'EMBEDDED_POSTGRES_PORT'>,
): Promise<Database> {
  const url = engineDatabaseUrl(env);
  await checkDatabaseReachable(url, env.DATABASE_URL ? 'DATABASE_URL' : 'EMBEDDED_POSTGRES_PORT');
  return createDatabase(url);
}

export interface AccountBalances {
  accountId: string;
  status: 'trial' | 'upgraded';
  currency: string;
  fundsBalance: Amount;
  arrears: Amount;
  automaticRechargeEnabled: boolean;
  upgradedAt: string | null;
}

/** The balances as the API and the demo show them, from the stored Account row. */
export function accountBalancesOf(row: AccountRow): AccountBalances {
  const currency = currencyOf(row.currency);
  return {
    accountId: row.id,
    status: row.status,
    currency,
    fundsBalance: amountOf(row.fundsBalance, currency),
    arrears: amountOf(row.arrears, currency),
    automaticRechargeEnabled: row.automaticRechargeEnabled,
    upgradedAt: row.upgradedAt?.toISOString() ?? null,
  };
}

export async function getAccountBalances(
  db: Database,
  accountId: string,
): Promise<AccountBalances> {
  return accountBalancesOf(await db.account.findUniqueOrThrow({ where: { id: accountId } }));
}

export interface CouponMovementLine {
  kind: string;
  /** Signed, e.g. "-30.00". */
  delta: string;
  balanceAfter: Amount;
  statusAfter: string;
  orderId: string | null;
  billId: string | null;
  at: string;
}

export interface CouponLedger {
  couponId: string;
  couponNumber: string;
  kind: 'cash' | 'threshold' | 'discount';
  /** Where it came from, e.g. `code:<code>`. */
  source: string | null;
  faceValue: Amount;
  balance: Amount;
  status: string;
  expiresAt: string;
  /** Oldest first, the grant ('redeem') included. */
  movements: CouponMovementLine[];
}

/** Every coupon the account owns, oldest first, with its movements. */
export async function listAccountCoupons(db: Database, accountId: string): Promise<CouponLedger[]> {
  const rows = await db.coupon.findMany({
    where: { ownerAccountId: accountId },
    include: { movements: { orderBy: { id: 'asc' } } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  return rows.map((c) => {
    const currency = currencyOf(c.currency);
    return {
      couponId: c.id,
      couponNumber: c.couponNumber,
      kind: c.kind,
      source: c.source,
      faceValue: amountOf(c.faceValue, currency),
      balance: amountOf(c.balance, currency),
      status: c.status,
      expiresAt: c.expiresAt.toISOString(),
      movements: c.movements.map((m) => ({
        kind: m.kind,
        delta: signedAmount(m.balanceDelta, currency),
        balanceAfter: amountOf(m.balanceAfter, currency),
        statusAfter: m.statusAfter,
        orderId: m.orderId,
        billId: m.billId,
        at: m.createdAt.toISOString(),
      })),
    };
  });
}

export interface FundsMovementLine {
  kind: string;
  /** Signed, e.g. "-10.00". */
  delta: string;
  balanceAfter: Amount;
  billId: string | null;
  reference: string | null;
}

export async function listFundsMovements(
  db: Database,
  accountId: string,
): Promise<FundsMovementLine[]> {
  const account = await db.account.findUniqueOrThrow({ where: { id: accountId } });
  const currency = currencyOf(account.currency);
  const rows = await db.fundsMovement.findMany({ where: { accountId }, orderBy: { id: 'asc' } });
  return rows.map((m) => ({
    kind: m.kind,
    delta: signedAmount(m.amountDelta, currency),
    balanceAfter: amountOf(m.balanceAfter, currency),
    billId: m.billId,
    reference: m.reference,
  }));
}

export interface PaymentLine {
  kind: 'charge' | 'refund';
  amount: Amount;
  status: string;
  orderId: string | null;
  billId: string | null;
  failureReason: string | null;
}

/** Charges and refunds sent to the gateway for the account, oldest first. */
export async function listPayments(db: Database, accountId: string): Promise<PaymentLine[]> {
  const rows = await db.payment.findMany({
    where: { accountId },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  return rows.map((p) => ({
    kind: p.kind === 'refund' ? 'refund' : 'charge',
    amount: amountOf(p.amount, currencyOf(p.currency)),
    status: p.status,
    orderId: p.orderId,
    billId: p.billId,
    failureReason: p.failureReason,
  }));
}
