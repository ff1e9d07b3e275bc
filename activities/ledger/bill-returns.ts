/**
 * What a pay-as-you-go bill gives back to the account's funds and arrears when it
 * is rolled back or adjusted down (docs/bills.md §Rollback and adjustment). The
 * coupons' share goes back through returnCoupon; this operation handles the rest:
 * - funds the bill took (its bill_payment movements, less earlier refunds) come back
 *   as a `bill_refund` movement; never more than the bill still holds;
 * - the bill's arrears are written off where they are still outstanding; what a
 *   top-up already cleared of them was paid by the customer, so it comes back to
 *   funds as a positive `arrears_cleared` movement (the reversal of that clearing).
 * Funds given back do not clear other arrears: they are not a top-up.
 */
import { z } from 'zod';
import { AccountIdSchema, AmountSchema, BillIdSchema, CurrencySchema, Dec } from '../../domain';
import { formatAmount, type Amount, type CurrencyCode } from '../../domain/money';
import type { Database } from '../database';
import { lockAccounts } from './locks';
import { moveFunds } from './movements';
import { runOperation, type Tx } from './operation';
import { accountNotFound, LedgerRefusal } from './refusal';
import { amountOf, currencyOf } from './rows';

export const ReturnBillPaymentSchema = z.object({
  accountId: AccountIdSchema,
  billId: BillIdSchema,
  currency: CurrencySchema,
  /** What to give back of what the bill took from funds ("0": nothing). */
  funds: AmountSchema,
  /** What to take back of the arrears the bill recorded ("0": nothing). */
  arrears: AmountSchema,
  event: z.enum(['bill_rolled_back', 'bill_adjusted']),
  operationKey: z.string().min(1).max(200),
});

export type ReturnBillPaymentInput = z.input<typeof ReturnBillPaymentSchema>;

export interface ReturnBillPaymentResult {
  accountId: string;
  billId: string;
  /** Credited back to funds of what the bill paid from them. */
  fundsReturned: Amount;
  /** Arrears of the bill cancelled while still outstanding. */
  arrearsWrittenOff: Amount;
  /** Arrears of the bill a top-up had already cleared: credited back to funds. */
  arrearsRefunded: Amount;
  fundsBalance: Amount;
  arrears: Amount;
}

export async function returnBillPayment(
  db: Database,
  input: ReturnBillPaymentInput,
): Promise<ReturnBillPaymentResult> {
  const { operationKey, ...request } = input;
  return runOperation(db, { key: operationKey, kind: 'returnBillPayment', request }, async (tx) => {
    await lockAccounts(tx, [input.accountId]);
    const account = await tx.account.findUnique({ where: { id: input.accountId } });
    if (!account) {
      throw accountNotFound(input.accountId);
    }
    if (account.currency !== input.currency) {
      throw new LedgerRefusal(
        'currency_mismatch',
        `account ${input.accountId} holds ${account.currency}, not ${input.currency}`,
        { accountId: input.accountId, accountCurrency: account.currency },
      );
    }
    const currency: CurrencyCode = currencyOf(account.currency);

    // Never more than the bill still holds from funds (payments less earlier refunds).
    const held = await tx.fundsMovement.aggregate({
      where: {
        accountId: account.id,
        billId: input.billId,
        kind: { in: ['bill_payment', 'bill_refund'] },
      },
      _sum: { amountDelta: true },
    });
    const stillPaid = Dec.max(new Dec((held._sum.amountDelta ?? 0).toString()).negated(), 0);
    const fundsBack = Dec.min(new Dec(input.funds), stillPaid);
    if (fundsBack.greaterThan(0)) {
      await moveFunds(tx, account.id, {
        kind: 'bill_refund',
        delta: fundsBack,
        billId: input.billId,
        reference: input.event,
        operationKey,
      });
    }

    const arrearsNow = new Dec(account.arrears.toString());
    const wanted = new Dec(input.arrears);
    const writtenOff = Dec.min(wanted, arrearsNow);
    const refunded = wanted.minus(writtenOff);
    if (writtenOff.greaterThan(0)) {
      await tx.account.update({
        where: { id: account.id },
        data: { arrears: arrearsNow.minus(writtenOff).toString() },
      });
    }
    if (refunded.greaterThan(0)) {
      await moveFunds(tx, account.id, {
        kind: 'arrears_cleared',
        delta: refunded,
        billId: input.billId,
        reference: `${input.event}: arrears already cleared, given back`,
        operationKey,
      });
    }
    if (fundsBack.greaterThan(0) || writtenOff.greaterThan(0) || refunded.greaterThan(0)) {
      await syncBillFundsPaid(tx, input.billId, account.id);
    }
    const after = await tx.account.findUniqueOrThrow({ where: { id: account.id } });
    return {
      accountId: account.id,
      billId: input.billId,
      fundsReturned: formatAmount(fundsBack, currency),
      arrearsWrittenOff: formatAmount(writtenOff, currency),
      arrearsRefunded: formatAmount(refunded, currency),
      fundsBalance: amountOf(after.fundsBalance, currency),
      arrears: amountOf(after.arrears, currency),
    };
  });
}

/** Bill.fundsPaid, when the row exists: its bill payments less their refunds. */
async function syncBillFundsPaid(tx: Tx, billId: string, accountId: string): Promise<void> {
  const net = await tx.fundsMovement.aggregate({
    where: { billId, accountId, kind: { in: ['bill_payment', 'bill_refund'] } },
    _sum: { amountDelta: true },
  });
  await tx.bill.updateMany({
    where: { id: billId, accountId },
    data: { fundsPaid: new Dec((net._sum.amountDelta ?? 0).toString()).negated().toString() },
  });
}
