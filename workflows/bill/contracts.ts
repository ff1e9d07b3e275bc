/**
 * What the bill workflow and each of its updates accept, built on domain/contracts.
 * Strict objects: an unexpected field is refused by the validator before it reaches
 * workflow history. Amounts are checked against the bill's currency where it is known.
 */
import { msToNumber } from '@temporalio/common/lib/time';
import { z } from 'zod';
import {
  AccountIdSchema,
  AmountSchema,
  BillIdSchema,
  CurrencySchema,
  InstantSchema,
  PositiveAmountSchema,
} from '../../domain/contracts';
import { parseAmount } from '../../domain/money';

/** An ms-style duration ("30 days", "200ms") or milliseconds. */
const DurationSchema = z.union([z.string().min(1), z.number().int().positive()]).refine(
  (value) => {
    try {
      const ms = msToNumber(value as Parameters<typeof msToNumber>[0]);
      return Number.isFinite(ms) && ms > 0;
    } catch {
      return false;
    }
  },
  { error: 'A duration such as "30 days" or "500ms", or milliseconds' },
);

export const BillPolicyOverridesSchema = z.strictObject({
  /** How long a settled bill stays open for rollback and adjustment after its last change. */
  adjustmentWindow: DurationSchema.optional(),
});

const ReasonSchema = z
  .string()
  .min(1, { error: 'Required' })
  .max(500, { error: 'At most 500 characters' });

export const BillWorkflowInputSchema = z
  .strictObject({
    billId: BillIdSchema,
    accountId: AccountIdSchema,
    commodityCode: z.string().min(1).max(64),
    amount: PositiveAmountSchema,
    currency: CurrencySchema,
    /** This bill is itself overdue: coupons never pay it (seed 002 §Pay-as-you-go). */
    overdue: z.boolean().default(false),
    /** When the bill was generated: coupons are judged at this instant. Default: the workflow's start. */
    billedAt: InstantSchema.optional(),
    policy: BillPolicyOverridesSchema.optional(),
  })
  .superRefine((bill, ctx) => {
    // More than 2 decimals is already reported by PositiveAmountSchema; this catches JPY/KRW.
    if ((bill.amount.split('.')[1] ?? '').length > 2) return;
    try {
      parseAmount(bill.amount, bill.currency);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message, path: ['amount'] });
    }
  });

export const CancelPaymentSchema = z.strictObject({ reason: ReasonSchema });

export const RollbackBillSchema = z.strictObject({ reason: ReasonSchema });

export const AdjustBillSchema = z.strictObject({
  /** The bill's new amount ("0" allowed); digits must fit the bill's currency. */
  adjustedAmount: AmountSchema,
  reason: ReasonSchema,
});

export type BillPolicyOverrides = z.input<typeof BillPolicyOverridesSchema>;
export type BillWorkflowInput = z.input<typeof BillWorkflowInputSchema>;
export type CancelPaymentInput = z.input<typeof CancelPaymentSchema>;
export type RollbackBillInput = z.input<typeof RollbackBillSchema>;
export type AdjustBillInput = z.input<typeof AdjustBillSchema>;
