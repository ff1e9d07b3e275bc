/**
 * Builders and readers shared by the bill workflow tests: accounts with funds,
 * arrears, automatic recharge and a card; cash coupons with a chosen expiry; the
 * ledger rows a bill wrote. Coupons expire relative to the real clock, because the
 * workflow judges them at its own (workflow) time.
 */
import { createLedgerActivities } from '../../../activities/ledger/activities';
import { checkLedgerConsistency } from '../../../activities/ledger/consistency';
import {
  createDevPaymentGateway,
  createPaymentActivities,
  DEV_TEST_CARDS,
  type TokenizedPaymentMethod,
} from '../../../activities/payment';
import type { Database } from '../../../activities/database';
import { createAccount, grantCoupon, uid } from '../../support/ledger-fixtures';

export { DEV_TEST_CARDS, uid };

export const gateway = createDevPaymentGateway();
const EXP_YEAR = new Date().getUTCFullYear() + 3;

export const card = (number: string) => ({
  type: 'card' as const,
  number,
  expMonth: 12,
  expYear: EXP_YEAR,
  cvc: '123',
  holderName: 'Hanako Yamada',
});

/** `days` from now (real clock), whole days, as an ISO instant. */
export const inDays = (days: number): string => {
  const d = new Date();
  d.setUTCHours(0, 0, 0, 0);
  return new Date(d.getTime() + days * 86_400_000).toISOString();
};

export interface BillAccount {
  funds?: string;
  arrears?: string;
  automaticRecharge?: boolean;
  /** A dev-gateway test card number recorded as the default payment method. */
  cardNumber?: string;
}

export async function billAccount(db: Database, options: BillAccount = {}): Promise<string> {
  const accountId = await createAccount(db, {
    status: 'upgraded',
    ...(options.funds !== undefined ? { funds: options.funds } : {}),
    ...(options.arrears !== undefined ? { arrears: options.arrears } : {}),
  });
  if (options.automaticRecharge) {
    await db.account.update({
      where: { id: accountId },
      data: { automaticRechargeEnabled: true },
    });
  }
  if (options.cardNumber) await addCard(db, accountId, options.cardNumber);
  return accountId;
}

export async function addCard(
  db: Database,
  accountId: string,
  number: string,
): Promise<TokenizedPaymentMethod> {
  const method = await gateway.tokenize(card(number), `${accountId}:tokenize:${number}`);
  await createPaymentActivities(db, { gateway }).recordPaymentMethod({
    accountId,
    method,
    operationKey: `${accountId}:pm:${number}`,
  });
  return method;
}

/** A general cash coupon of `balance`, expiring `expiresInDays` from today. */
export function cashCoupon(
  db: Database,
  ownerAccountId: string,
  balance: string,
  expiresInDays: number,
  id?: string,
): Promise<string> {
  return grantCoupon(db, {
    ownerAccountId,
    faceValue: balance,
    effectiveAt: inDays(-10),
    expiresAt: inDays(expiresInDays),
    ...(id ? { id } : {}),
  });
}

export const ledgerOf = (db: Database) => createLedgerActivities(db);

export async function couponMovementsOf(db: Database, billId: string) {
  const rows = await db.couponMovement.findMany({ where: { billId }, orderBy: { id: 'asc' } });
  return rows.map((m) => ({
    couponId: m.couponId,
    kind: m.kind,
    balanceDelta: m.balanceDelta.toFixed(2),
    balanceAfter: m.balanceAfter.toFixed(2),
    operationKey: m.operationKey,
  }));
}

export async function fundsMovementsOf(db: Database, accountId: string) {
  const rows = await db.fundsMovement.findMany({ where: { accountId }, orderBy: { id: 'asc' } });
  return rows.map((m) => ({
    kind: m.kind,
    amountDelta: m.amountDelta.toFixed(2),
    billId: m.billId,
    operationKey: m.operationKey,
  }));
}

export async function paymentsOf(db: Database, accountId: string) {
  const rows = await db.payment.findMany({ where: { accountId }, orderBy: { createdAt: 'asc' } });
  return rows.map((p) => ({
    kind: p.kind,
    amount: p.amount.toFixed(2),
    status: p.status,
    billId: p.billId,
    idempotencyKey: p.idempotencyKey,
    failureReason: p.failureReason,
  }));
}

export async function billRow(db: Database, billId: string) {
  const b = await db.bill.findUniqueOrThrow({ where: { id: billId } });
  return {
    status: b.status,
    amount: b.amount.toFixed(2),
    couponDeduction: b.couponDeduction.toFixed(2),
    fundsPaid: b.fundsPaid.toFixed(2),
    charged: b.charged.toFixed(2),
    arrearsAmount: b.arrearsAmount.toFixed(2),
  };
}

export async function accountRow(db: Database, accountId: string) {
  const a = await db.account.findUniqueOrThrow({ where: { id: accountId } });
  return { fundsBalance: a.fundsBalance.toFixed(2), arrears: a.arrears.toFixed(2) };
}

export async function couponBalance(db: Database, couponId: string) {
  const c = await db.coupon.findUniqueOrThrow({ where: { id: couponId } });
  return { balance: c.balance.toFixed(2), status: c.status };
}

/** The ledger check every bill test ends with: stored balances equal the ledgers' sums. */
export async function expectLedgerConsistent(db: Database): Promise<void> {
  expect(await checkLedgerConsistency(db)).toEqual({ ok: true, coupons: [], accounts: [] });
}
