/**
 * The Bill row of a pay-as-you-go bill, written by the bill workflow
 * (workflows/bill). Amounts that the ledgers know are read from them, never taken
 * on trust: couponDeduction from the bill's coupon movements, fundsPaid from its
 * funds movements, charged from its succeeded charges. Status, the current amount
 * and the arrears the bill recorded come from the workflow. Every write carries the
 * workflow's revision, so a retried older write never overwrites a newer one.
 */
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import {
  AccountIdSchema,
  AmountSchema,
  BillIdSchema,
  CurrencySchema,
  Dec,
  parseInput,
  PositiveAmountSchema,
  type Amount,
  type CurrencyCode,
} from '../../domain';
import type { Bill, BillStatus } from '../../generated/prisma/client';
import type { Database } from '../database';
import { amountOf, currencyOf } from '../ledger/rows';

export const OpenBillSchema = z.object({
  billId: BillIdSchema,
  accountId: AccountIdSchema,
  commodityCode: z.string().min(1).max(64),
  amount: PositiveAmountSchema,
  currency: CurrencySchema,
  overdue: z.boolean(),
});
export type OpenBillInput = z.input<typeof OpenBillSchema>;

export const BILL_STATUSES = [
  'pending',
  'settled',
  'payment_failed',
  'arrears',
  'rolled_back',
] as const;

export const RecordBillSchema = z.object({
  billId: BillIdSchema,
  revision: z.int().min(1),
  status: z.enum(BILL_STATUSES),
  /** The bill's amount now (after adjustments). */
  amount: AmountSchema,
  /** Arrears this bill recorded and still holds. */
  arrearsAmount: AmountSchema,
});
export type RecordBillInput = z.input<typeof RecordBillSchema>;

export interface BillView {
  billId: string;
  accountId: string;
  commodityCode: string;
  amount: Amount;
  currency: CurrencyCode;
  /** The "coupon deduction amount" of bill details: what its coupons paid and still hold. */
  couponDeduction: Amount;
  fundsPaid: Amount;
  charged: Amount;
  arrearsAmount: Amount;
  status: BillStatus;
  overdue: boolean;
  revision: number;
}

export interface BillAccountStatus {
  accountId: string;
  automaticRechargeEnabled: boolean;
  fundsBalance: Amount;
  arrears: Amount;
  hasPaymentMethod: boolean;
}

const refuse = (type: string, message: string, details: Record<string, unknown> = {}) =>
  ApplicationFailure.nonRetryable(message, type, details);

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = parseInput(schema, input);
  if (!parsed.ok) throw refuse('invalid_input', parsed.message, { fields: parsed.errors });
  return parsed.value;
}

function view(row: Bill): BillView {
  const currency = currencyOf(row.currency);
  return {
    billId: row.id,
    accountId: row.accountId,
    commodityCode: row.commodityCode,
    amount: amountOf(row.amount, currency),
    currency,
    couponDeduction: amountOf(row.couponDeduction, currency),
    fundsPaid: amountOf(row.fundsPaid, currency),
    charged: amountOf(row.charged, currency),
    arrearsAmount: amountOf(row.arrearsAmount, currency),
    status: row.status,
    overdue: row.overdue,
    revision: row.revision,
  };
}

export function createBillActivities(db: Database) {
  return {
    /**
     * Creates the Bill row (pending) or finds the one a first attempt wrote.
     * Refuses an unknown account or product, a currency other than the account's,
     * and a bill id already used for another account, product or currency.
     */
    async openBill(raw: OpenBillInput): Promise<BillView> {
      const input = parse(OpenBillSchema, raw);
      const account = await db.account.findUnique({ where: { id: input.accountId } });
      if (!account) {
        throw refuse('account_not_found', `accountId: no account ${input.accountId}`, {
          field: 'accountId',
        });
      }
      if (account.currency !== input.currency) {
        throw refuse(
          'currency_mismatch',
          `currency: account ${input.accountId} is billed in ${account.currency}, not ${input.currency}`,
          { field: 'currency' },
        );
      }
      const product = await db.product.findUnique({
        where: { commodityCode: input.commodityCode },
      });
      if (!product) {
        throw refuse('product_not_found', `commodityCode: no product ${input.commodityCode}`, {
          field: 'commodityCode',
        });
      }
      const row = await db.bill.upsert({
        where: { id: input.billId },
        create: {
          id: input.billId,
          accountId: input.accountId,
          commodityCode: input.commodityCode,
          amount: input.amount,
          currency: input.currency,
          overdue: input.overdue,
          status: 'pending',
        },
        update: {},
      });
      if (
        row.accountId !== input.accountId ||
        row.commodityCode !== input.commodityCode ||
        row.currency !== input.currency
      ) {
        throw refuse(
          'bill_conflict',
          `billId: bill ${input.billId} already exists for another account, product or currency`,
          { field: 'billId' },
        );
      }
      return view(row);
    },

    /** What the settlement decides on: automatic recharge, arrears, a payment method. */
    async getBillAccountStatus(accountId: string): Promise<BillAccountStatus> {
      const account = await db.account.findUnique({ where: { id: accountId } });
      if (!account) throw refuse('account_not_found', `no account ${accountId}`);
      const currency = currencyOf(account.currency);
      const method = await db.paymentMethod.findFirst({
        where: { accountId, isDefault: true },
        select: { id: true },
      });
      return {
        accountId,
        automaticRechargeEnabled: account.automaticRechargeEnabled,
        fundsBalance: amountOf(account.fundsBalance, currency),
        arrears: amountOf(account.arrears, currency),
        hasPaymentMethod: method !== null,
      };
    },

    /**
     * Writes the bill's status, amount and arrears, and the amounts the ledgers
     * hold for it. Only a newer revision writes; an older or equal one (a retry)
     * reads the row back.
     */
    async recordBill(raw: RecordBillInput): Promise<BillView> {
      const input = parse(RecordBillSchema, raw);
      return db.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT "id" FROM "Bill" WHERE "id" = ${input.billId} FOR UPDATE`;
        const row = await tx.bill.findUnique({ where: { id: input.billId } });
        if (!row) throw refuse('bill_not_found', `billId: no bill ${input.billId}`);
        if (row.revision >= input.revision) return view(row);
        const [coupons, funds, charges] = await Promise.all([
          tx.couponMovement.aggregate({
            where: { billId: row.id, kind: { in: ['deduct', 'return'] } },
            _sum: { balanceDelta: true },
          }),
          tx.fundsMovement.aggregate({
            where: {
              billId: row.id,
              accountId: row.accountId,
              kind: { in: ['bill_payment', 'bill_refund'] },
            },
            _sum: { amountDelta: true },
          }),
          tx.payment.aggregate({
            where: { billId: row.id, kind: 'charge', status: 'succeeded' },
            _sum: { amount: true },
          }),
        ]);
        const negated = (v: { toString(): string } | null): string =>
          new Dec((v ?? 0).toString()).negated().toString();
        const updated = await tx.bill.update({
          where: { id: row.id },
          data: {
            status: input.status,
            amount: input.amount,
            arrearsAmount: input.arrearsAmount,
            couponDeduction: negated(coupons._sum.balanceDelta),
            fundsPaid: negated(funds._sum.amountDelta),
            charged: (charges._sum.amount ?? 0).toString(),
            revision: input.revision,
          },
        });
        return view(updated);
      });
    },
  };
}

export type BillActivities = ReturnType<typeof createBillActivities>;
