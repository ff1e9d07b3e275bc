/**
 * zod schemas for every input the engine accepts from outside (API, workflow
 * payloads, database rows), and `parseInput`, whose errors name each field path.
 */
import { z } from 'zod';
import { COUPON_STATUSES, ORDER_TYPES } from './coupon';
import { CURRENCIES, CURRENCY_CODES, type CurrencyCode, Dec } from './money';
import { isIsoInstant } from './time';

// Re-exported: one place to import the contracts from. The workflows import the two
// small modules directly, so a trial upgrade's run does not build every schema here.
export * from './identifiers';
export * from './parse';
import {
  AccountIdSchema,
  BillIdSchema,
  CouponCodeSchema,
  CouponIdSchema,
  OrderIdSchema,
} from './identifiers';

// ---- primitives -------------------------------------------------------------

export const CurrencySchema = z.enum(CURRENCY_CODES as [CurrencyCode, ...CurrencyCode[]], {
  error: `Unsupported currency; expected one of ${CURRENCY_CODES.join(', ')}`,
});

const DECIMAL = /^(0|[1-9]\d{0,17})(\.\d+)?$/;

/** Non-negative plain decimal string; per-currency digits are checked on the object. */
export const AmountSchema = z
  .string()
  .regex(DECIMAL, { error: 'Must be a plain decimal string such as "12.50"' });

/** Positive amount with at most two decimals (the common case: USD, EUR, CNY…). */
// zod runs refinements even after the regex failed: parse only decimals (a hostile string made Dec throw).
export const PositiveAmountSchema = AmountSchema.refine(
  (v) => !DECIMAL.test(v) || new Dec(v).greaterThan(0),
  {
    error: 'Must be greater than 0',
  },
).refine((v) => (v.split('.')[1] ?? '').length <= 2, { error: 'At most 2 decimals' });

/** Adds an issue on `path` when `amount` has more decimals than `currency` allows. */
function checkDigits(
  ctx: { addIssue: (issue: { code: 'custom'; message: string; path: PropertyKey[] }) => void },
  amount: string | undefined,
  currency: CurrencyCode,
  path: string,
): void {
  if (amount === undefined || !DECIMAL.test(amount)) return;
  const digits = (amount.split('.')[1] ?? '').length;
  if (digits > CURRENCIES[currency]) {
    ctx.addIssue({
      code: 'custom',
      message: `${currency} allows at most ${CURRENCIES[currency]} decimals`,
      path: [path],
    });
  }
}

export const InstantSchema = z
  .string()
  .refine(isIsoInstant, {
    error: 'Must be an ISO-8601 instant with a zone, e.g. 2024-01-31T00:00:00Z',
  })
  // The refinement is invisible to the OpenAPI document; the format says it.
  .meta({ format: 'date-time' });

export const OrderTypeSchema = z.enum(ORDER_TYPES);
export const ConsumptionTypeSchema = z.enum(['subscription', 'payg']);
export const ChannelSchema = z.enum(['official', 'marketplace']);
const monthsSchema = z.int().min(1).max(120);

// ---- catalog and coupons ------------------------------------------------------

export const ProductSchema = z.object({
  productCode: z.string().min(1).max(64),
  commodityCode: z.string().min(1).max(64),
  channel: ChannelSchema,
  physicalGood: z.boolean(),
  thirdParty: z.boolean(),
  name: z.string().min(1).max(200),
});

export const CouponSchema = z
  .object({
    id: CouponIdSchema,
    couponNumber: z.string().min(1).max(64),
    ownerAccountId: AccountIdSchema,
    kind: z.enum(['cash', 'threshold', 'discount']),
    currency: CurrencySchema,
    faceValue: PositiveAmountSchema,
    balance: AmountSchema,
    threshold: PositiveAmountSchema.optional(),
    discountPercent: z
      .string()
      .regex(/^(100(\.0+)?|[1-9]?\d(\.\d{1,4})?)$/, { error: 'Percent in (0, 100], e.g. "15"' })
      .refine((v) => new Dec(v).greaterThan(0), { error: 'Percent must be greater than 0' })
      .optional(),
    effectiveAt: InstantSchema,
    expiresAt: InstantSchema,
    scope: z.discriminatedUnion('type', [
      z.object({ type: z.literal('general') }),
      z.object({ type: z.literal('products'), productCodes: z.array(z.string().min(1)).min(1) }),
    ]),
    allProducts: z.boolean(),
    channel: ChannelSchema,
    orderTypes: z.array(OrderTypeSchema).min(1),
    consumptionType: z.enum(['subscription', 'payg', 'any']),
    minDurationMonths: monthsSchema.optional(),
    maxDurationMonths: monthsSchema.optional(),
    combinable: z.boolean(),
    status: z.enum(COUPON_STATUSES),
    frozenForOrderId: OrderIdSchema.optional(),
  })
  .superRefine((c, ctx) => {
    const issue = (path: string, message: string): void =>
      ctx.addIssue({ code: 'custom', message, path: [path] });
    checkDigits(ctx, c.faceValue, c.currency, 'faceValue');
    checkDigits(ctx, c.balance, c.currency, 'balance');
    checkDigits(ctx, c.threshold, c.currency, 'threshold');
    if (DECIMAL.test(c.balance) && new Dec(c.balance).greaterThan(new Dec(c.faceValue))) {
      issue('balance', 'Balance cannot exceed the face value');
    }
    if (c.kind === 'threshold' && c.threshold === undefined) issue('threshold', 'Required');
    if (c.kind !== 'threshold' && c.threshold !== undefined)
      issue('threshold', 'Only threshold coupons have a threshold');
    if (c.kind === 'discount' && c.discountPercent === undefined)
      issue('discountPercent', 'Required');
    if (c.kind !== 'discount' && c.discountPercent !== undefined)
      issue('discountPercent', 'Only discount coupons have a percent');
    if (c.allProducts && c.scope.type !== 'general')
      issue('allProducts', 'Only a general coupon can be marked "all products"');
    if (c.status === 'frozen' && c.frozenForOrderId === undefined)
      issue('frozenForOrderId', 'Required');
    if (c.status !== 'frozen' && c.frozenForOrderId !== undefined)
      issue('frozenForOrderId', 'Only a frozen coupon names an order');
    if (
      isIsoInstant(c.effectiveAt) &&
      isIsoInstant(c.expiresAt) &&
      Date.parse(c.expiresAt) <= Date.parse(c.effectiveAt)
    ) {
      issue('expiresAt', 'Must be after effectiveAt');
    }
    if (
      c.minDurationMonths !== undefined &&
      c.maxDurationMonths !== undefined &&
      c.minDurationMonths > c.maxDurationMonths
    ) {
      issue('maxDurationMonths', 'Must be at least minDurationMonths');
    }
  });

// ---- orders and bills ----------------------------------------------------------

export const OrderCreationSchema = z
  .object({
    orderId: OrderIdSchema,
    accountId: AccountIdSchema,
    commodityCode: z.string().min(1).max(64),
    orderType: OrderTypeSchema.exclude(['payg_bill']),
    consumptionType: z.literal('subscription'),
    amount: PositiveAmountSchema,
    currency: CurrencySchema,
    durationMonths: monthsSchema.optional(),
    otherOffersApplied: z.boolean().default(false),
    /** One coupon per order (seed 002 §Paying an order): a single id, never a list. */
    couponId: CouponIdSchema.optional(),
    autoRenew: z.boolean().default(false),
  })
  .superRefine((o, ctx) => checkDigits(ctx, o.amount, o.currency, 'amount'));

export const BillSchema = z
  .object({
    billId: BillIdSchema,
    accountId: AccountIdSchema,
    commodityCode: z.string().min(1).max(64),
    amount: PositiveAmountSchema,
    currency: CurrencySchema,
    billedAt: InstantSchema,
    overdue: z.boolean(),
    outstandingArrears: AmountSchema,
  })
  .superRefine((b, ctx) => {
    checkDigits(ctx, b.amount, b.currency, 'amount');
    checkDigits(ctx, b.outstandingArrears, b.currency, 'outstandingArrears');
  });

export const ReturnEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('order_cancelled_before_payment') }),
  z.object({ type: z.literal('provisioning_failed') }),
  z.object({ type: z.literal('bill_rolled_back') }),
  z.object({
    type: z.literal('resource_unsubscribed'),
    unusedFraction: z.string().regex(/^(0|1|0?\.\d+|1\.0+)$/, { error: 'A decimal in [0, 1]' }),
  }),
  z.object({
    type: z.literal('bill_adjusted'),
    originalAmount: PositiveAmountSchema,
    adjustedAmount: AmountSchema,
  }),
]);

export const RedeemCouponCodeSchema = z.object({
  accountId: AccountIdSchema,
  code: CouponCodeSchema,
  orderId: OrderIdSchema.optional(),
});

export type CouponInput = z.infer<typeof CouponSchema>;
export type OrderCreationInput = z.infer<typeof OrderCreationSchema>;
export type BillInput = z.infer<typeof BillSchema>;
export type RedeemCouponCodeInput = z.infer<typeof RedeemCouponCodeSchema>;
export type ReturnEventInput = z.infer<typeof ReturnEventSchema>;
