/**
 * Account funds (promo credit, top-ups, recharges) and arrears. Funds pay
 * pay-as-you-go bills, never below 0. Arrears rule (docs/ledger.md): money that
 * comes IN by top-up or recharge clears outstanding arrears first, in the same
 * transaction (an `arrears_cleared` movement), because the seed lets coupons serve
 * bills again only once arrears are cleared; promo credit does not clear arrears.
 * clearArrears pays arrears from funds already there.
 */
import { Dec, formatAmount, type CurrencyCode } from '../../domain';
import type { Account } from '../../generated/prisma/client';
import type { Database } from '../database';
import { lockAccounts } from './locks';
import { moveFunds } from './movements';
import { runOperation, type Tx } from './operation';
import { accountNotFound, LedgerRefusal } from './refusal';
import { amountOf, currencyOf } from './rows';
import type {
  AddFundsInput,
  AddFundsResult,
  ArrearsResult,
  ClearArrearsInput,
  PayFromFundsInput,
  PayFromFundsResult,
  RecordArrearsInput,
} from './types';

export async function addFunds(db: Database, input: AddFundsInput): Promise<AddFundsResult> {
  const { operationKey, ...request } = input;
  return runOperation(db, { key: operationKey, kind: 'addFunds', request }, async (tx) => {
    const account = await lockAccount(tx, input.accountId, input.currency);
    await moveFunds(tx, account.id, {
      kind: input.kind,
      delta: new Dec(input.amount),
      ...(input.reference !== undefined ? { reference: input.reference } : {}),
      operationKey,
    });
    const cleared = await settleArrears(tx, account.id, operationKey);
    const after = await readAccount(tx, account.id);
    return {
      accountId: account.id,
      fundsAdded: formatAmount(new Dec(input.amount), input.currency),
      arrearsCleared: formatAmount(cleared, input.currency),
      fundsBalance: after.fundsBalance,
      arrears: after.arrears,
    };
  });
}

/** Takes at most `amount` from the account's funds for the bill; reports how much it took. */
export async function payBillFromFunds(
  db: Database,
  input: PayFromFundsInput,
): Promise<PayFromFundsResult> {
  const { operationKey, ...request } = input;
  return runOperation(db, { key: operationKey, kind: 'payBillFromFunds', request }, async (tx) => {
    const account = await lockAccount(tx, input.accountId, input.currency);
    const wanted = new Dec(input.amount);
    const paid = Dec.min(wanted, new Dec(account.fundsBalance.toString()));
    if (paid.greaterThan(0)) {
      await moveFunds(tx, account.id, {
        kind: 'bill_payment',
        delta: paid.negated(),
        billId: input.billId,
        operationKey,
      });
      await syncBillFundsPaid(tx, input.billId, account.id);
    }
    const after = await readAccount(tx, account.id);
    return {
      accountId: account.id,
      billId: input.billId,
      paid: formatAmount(paid, input.currency),
      remainder: formatAmount(wanted.minus(paid), input.currency),
      fundsBalance: after.fundsBalance,
    };
  });
}

/** An unpaid, overdue bill becomes the account's arrears (coupons never pay them). */
export async function recordArrears(
  db: Database,
  input: RecordArrearsInput,
): Promise<ArrearsResult> {
  const { operationKey, ...request } = input;
  return runOperation(db, { key: operationKey, kind: 'recordArrears', request }, async (tx) => {
    const account = await lockAccount(tx, input.accountId, input.currency);
    await tx.account.update({
      where: { id: account.id },
      data: { arrears: new Dec(account.arrears.toString()).plus(input.amount).toString() },
    });
    const after = await readAccount(tx, account.id);
    return {
      accountId: account.id,
      cleared: formatAmount(new Dec(0), input.currency),
      arrears: after.arrears,
      fundsBalance: after.fundsBalance,
    };
  });
}

/** Pays outstanding arrears from the funds the account already has, as far as they go. */
export async function clearArrears(db: Database, input: ClearArrearsInput): Promise<ArrearsResult> {
  const { operationKey, ...request } = input;
  return runOperation(db, { key: operationKey, kind: 'clearArrears', request }, async (tx) => {
    const account = await lockAccount(tx, input.accountId, null);
    const cleared = await settleArrears(tx, account.id, operationKey);
    const after = await readAccount(tx, account.id);
    return {
      accountId: account.id,
      cleared: formatAmount(cleared, currencyOf(account.currency)),
      arrears: after.arrears,
      fundsBalance: after.fundsBalance,
    };
  });
}

/** Locks and reads the account; refuses a missing one or one in another currency. */
async function lockAccount(
  tx: Tx,
  accountId: string,
  currency: CurrencyCode | null,
): Promise<Account> {
  await lockAccounts(tx, [accountId]);
  const account = await tx.account.findUnique({ where: { id: accountId } });
  if (!account) throw accountNotFound(accountId);
  if (currency !== null && account.currency !== currency) {
    throw new LedgerRefusal(
      'currency_mismatch',
      `account ${accountId} holds ${account.currency}, not ${currency}`,
      { accountId, accountCurrency: account.currency },
    );
  }
  return account;
}

/** Moves min(arrears, funds) from funds to clear arrears; returns what was cleared. */
async function settleArrears(tx: Tx, accountId: string, operationKey: string): Promise<Dec> {
  const account = await tx.account.findUniqueOrThrow({ where: { id: accountId } });
  const arrears = new Dec(account.arrears.toString());
  const cleared = Dec.min(arrears, new Dec(account.fundsBalance.toString()));
  if (cleared.lessThanOrEqualTo(0)) return new Dec(0);
  await moveFunds(tx, accountId, {
    kind: 'arrears_cleared',
    delta: cleared.negated(),
    reference: 'arrears',
    operationKey,
  });
  await tx.account.update({
    where: { id: accountId },
    data: { arrears: arrears.minus(cleared).toString() },
  });
  return cleared;
}

async function readAccount(
  tx: Tx,
  accountId: string,
): Promise<{ fundsBalance: string; arrears: string }> {
  const account = await tx.account.findUniqueOrThrow({ where: { id: accountId } });
  const currency = currencyOf(account.currency);
  return {
    fundsBalance: amountOf(account.fundsBalance, currency),
    arrears: amountOf(account.arrears, currency),
  };
}

/** Bill.fundsPaid, when the bill row exists, is the sum of its bill_payment movements. */
async function syncBillFundsPaid(tx: Tx, billId: string, accountId: string): Promise<void> {
  const paid = await tx.fundsMovement.aggregate({
    where: { billId, accountId, kind: 'bill_payment' },
    _sum: { amountDelta: true },
  });
  const total = new Dec((paid._sum.amountDelta ?? 0).toString()).negated();
  await tx.bill.updateMany({
    where: { id: billId, accountId },
    data: { fundsPaid: total.toString() },
  });
}
