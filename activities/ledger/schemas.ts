/**
 * zod schemas of the ledger's activity inputs (the activity edge). Built from the
 * domain's primitives (domain/contracts), so ids, codes, amounts and instants are
 * judged exactly as the rules engine judges them. Errors name the field.
 */
import { z } from 'zod';
import {
  AccountIdSchema,
  BillIdSchema,
  COUPON_STATUSES,
  ChannelSchema,
  CouponCodeSchema,
  CouponIdSchema,
  CurrencySchema,
  InstantSchema,
  OrderIdSchema,
  OrderTypeSchema,
  ORDER_TYPES,
  OrganizationIdSchema,
  PositiveAmountSchema,
  ReturnEventSchema,
  ShareIdSchema,
  parseAmount,
  type CurrencyCode,
} from '../../domain';

const OperationKeySchema = z
  .string()
  .min(1, { error: 'Required' })
  .max(200, { error: 'At most 200 characters' });
const CommodityCodeSchema = z.string().min(1).max(64);
const MonthsSchema = z.int().min(1).max(120);
const OrderOnlyTypeSchema = OrderTypeSchema.exclude(['payg_bill'], {
  error: 'An order cannot be a pay-as-you-go bill (use drawDownBill)',
});

/** Refines an object so each named amount fits its currency's minor unit. */
function amountsFitCurrency<T extends { currency: CurrencyCode }>(...fields: (keyof T & string)[]) {
  return (value: T, ctx: z.RefinementCtx): void => {
    for (const field of fields) {
      const amount = value[field];
      if (typeof amount !== 'string') continue;
      try {
        parseAmount(amount, value.currency);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message, path: [field] });
      }
    }
  };
}

export const CheckCodeSchema = z.object({
  accountId: AccountIdSchema,
  code: CouponCodeSchema,
  at: InstantSchema,
});

export const RedeemCodeSchema = CheckCodeSchema.extend({
  purpose: z.enum(['trial_upgrade', 'add_funds', 'order_confirmation']),
  operationKey: OperationKeySchema,
});

export const AddFundsSchema = z
  .object({
    accountId: AccountIdSchema,
    amount: PositiveAmountSchema,
    currency: CurrencySchema,
    kind: z.enum(['top_up', 'recharge']),
    reference: z.string().max(200).optional(),
    operationKey: OperationKeySchema,
  })
  .superRefine(amountsFitCurrency('amount'));

const orderFields = {
  accountId: AccountIdSchema,
  orderId: OrderIdSchema,
  commodityCode: CommodityCodeSchema,
  orderType: OrderOnlyTypeSchema,
  amount: PositiveAmountSchema,
  currency: CurrencySchema,
  durationMonths: MonthsSchema.optional(),
  otherOffersApplied: z.boolean().optional(),
  at: InstantSchema,
};

export const OrderCouponSchema = z
  .object({ ...orderFields, couponId: CouponIdSchema, operationKey: OperationKeySchema })
  .superRefine(amountsFitCurrency('amount'));

export const ListCouponOptionsSchema = z
  .object(orderFields)
  .superRefine(amountsFitCurrency('amount'));

export const ReleaseSchema = z.object({
  couponId: CouponIdSchema,
  orderId: OrderIdSchema,
  operationKey: OperationKeySchema,
  at: InstantSchema,
});

export const DeductSchema = ReleaseSchema.extend({ amount: PositiveAmountSchema });

const exactlyOneTarget = (
  value: { orderId?: string; billId?: string },
  ctx: z.RefinementCtx,
): void => {
  if ((value.orderId === undefined) === (value.billId === undefined)) {
    ctx.addIssue({
      code: 'custom',
      message: 'Give exactly one of orderId and billId',
      path: ['orderId'],
    });
  }
};

export const ReturnCouponSchema = z
  .object({
    couponId: CouponIdSchema,
    orderId: OrderIdSchema.optional(),
    billId: BillIdSchema.optional(),
    commodityCode: CommodityCodeSchema,
    event: ReturnEventSchema,
    operationKey: OperationKeySchema,
    at: InstantSchema,
  })
  .superRefine(exactlyOneTarget);

export const ChooseRenewalCouponSchema = z
  .object({
    accountId: AccountIdSchema,
    orderId: OrderIdSchema,
    commodityCode: CommodityCodeSchema,
    amount: PositiveAmountSchema,
    currency: CurrencySchema,
    durationMonths: MonthsSchema.optional(),
    at: InstantSchema,
  })
  .superRefine(amountsFitCurrency('amount'));

export const DrawDownBillSchema = z
  .object({
    billId: BillIdSchema,
    accountId: AccountIdSchema,
    commodityCode: CommodityCodeSchema,
    amount: PositiveAmountSchema,
    currency: CurrencySchema,
    overdue: z.boolean(),
    at: InstantSchema,
    operationKey: OperationKeySchema,
  })
  .superRefine(amountsFitCurrency('amount'));

const accountAmountFields = {
  accountId: AccountIdSchema,
  billId: BillIdSchema,
  amount: PositiveAmountSchema,
  currency: CurrencySchema,
  operationKey: OperationKeySchema,
};

export const PayFromFundsSchema = z
  .object(accountAmountFields)
  .superRefine(amountsFitCurrency('amount'));

export const RecordArrearsSchema = z
  .object(accountAmountFields)
  .superRefine(amountsFitCurrency('amount'));

export const ClearArrearsSchema = z.object({
  accountId: AccountIdSchema,
  operationKey: OperationKeySchema,
});

export const ExpireCouponsSchema = z.object({
  at: InstantSchema,
  operationKey: OperationKeySchema,
  batchSize: z.int().min(1).max(5000).optional(),
});

export const InvalidateCouponSchema = z.object({
  couponId: CouponIdSchema,
  reason: z.string().min(1).max(500),
  operationKey: OperationKeySchema,
  at: InstantSchema,
});

export const ShareCouponSchema = z
  .object({
    couponId: CouponIdSchema,
    ownerAccountId: AccountIdSchema,
    scope: z.enum(['organization', 'accounts']),
    organizationId: OrganizationIdSchema.optional(),
    accountIds: z.array(AccountIdSchema).min(1).max(100).optional(),
    operationKey: OperationKeySchema,
    at: InstantSchema,
  })
  .superRefine((value, ctx) => {
    if (value.scope === 'organization' && value.organizationId === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'Required for an organization share',
        path: ['organizationId'],
      });
    }
    if (value.scope === 'accounts' && value.accountIds === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'Required for an accounts share',
        path: ['accountIds'],
      });
    }
    if (value.scope === 'organization' && value.accountIds !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'Only an accounts share lists accounts',
        path: ['accountIds'],
      });
    }
    if (value.scope === 'accounts' && value.organizationId !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'Only an organization share names one',
        path: ['organizationId'],
      });
    }
  });

export const CancelShareSchema = z.object({
  shareId: ShareIdSchema,
  ownerAccountId: AccountIdSchema,
  operationKey: OperationKeySchema,
  at: InstantSchema,
});

export const OrganizationSchema = z.object({
  organizationId: OrganizationIdSchema,
  name: z.string().trim().min(1).max(200),
});

export const MembershipSchema = z.object({
  accountId: AccountIdSchema,
  organizationId: OrganizationIdSchema,
  operationKey: OperationKeySchema,
});

export const ListCouponsSchema = z
  .object({
    accountId: AccountIdSchema,
    at: InstantSchema.optional(),
    status: z.enum(COUPON_STATUSES).optional(),
    validFrom: InstantSchema.optional(),
    validTo: InstantSchema.optional(),
    couponNumber: z.string().min(1).max(64).optional(),
    cursor: z.string().min(1).max(300).optional(),
    limit: z.int().min(1).max(100).optional(),
  })
  .refine(
    (v) =>
      v.validFrom === undefined ||
      v.validTo === undefined ||
      Date.parse(v.validFrom) < Date.parse(v.validTo),
    { error: 'validFrom must be before validTo', path: ['validTo'] },
  );

export const CouponHistorySchema = z.object({
  couponId: CouponIdSchema,
  accountId: AccountIdSchema,
  at: InstantSchema.optional(),
});

export const CouponDeductionSchema = z
  .object({ orderId: OrderIdSchema.optional(), billId: BillIdSchema.optional() })
  .superRefine(exactlyOneTarget);

/**
 * RedemptionCode.couponTerms: the coupon a code grants (its currency is the
 * code's). Validity is absolute (`expiresAt`) or relative to the redemption
 * (`validDays`); `effectiveAt` defaults to the redemption instant. The full coupon
 * is then checked by the domain's CouponSchema.
 */
export const CouponTermsSchema = z
  .object({
    kind: z.enum(['cash', 'threshold', 'discount']),
    faceValue: PositiveAmountSchema,
    threshold: PositiveAmountSchema.optional(),
    discountPercent: z.string().optional(),
    effectiveAt: InstantSchema.optional(),
    expiresAt: InstantSchema.optional(),
    validDays: z.int().min(1).max(3650).optional(),
    scope: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('general') }),
        z.object({ type: z.literal('products'), productCodes: z.array(z.string().min(1)).min(1) }),
      ])
      .default({ type: 'general' }),
    allProducts: z.boolean().default(false),
    channel: ChannelSchema.default('official'),
    orderTypes: z
      .array(OrderTypeSchema)
      .min(1)
      .default([...ORDER_TYPES]),
    consumptionType: z.enum(['subscription', 'payg', 'any']).default('any'),
    minDurationMonths: MonthsSchema.optional(),
    maxDurationMonths: MonthsSchema.optional(),
    combinable: z.boolean().default(true),
  })
  .superRefine((terms, ctx) => {
    if ((terms.expiresAt === undefined) === (terms.validDays === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'Give exactly one of expiresAt and validDays',
        path: ['expiresAt'],
      });
    }
  });

export type CouponTerms = z.output<typeof CouponTermsSchema>;
/** What fixtures and campaigns write into RedemptionCode.couponTerms. */
export type CouponTermsInput = z.input<typeof CouponTermsSchema>;
