/**
 * zod schemas for the trial-account upgrade and promo codes (seed 000). Parse
 * with `parseInput` (parse.ts): errors name each field path.
 */
import { z } from 'zod';
import { AccountIdSchema, CouponCodeSchema } from './identifiers';

/** Promo codes (seed 000) follow the coupon-code rule: exact, case-sensitive. */
export const PromoCodeSchema = CouponCodeSchema;

/** ISO 3166-1 alpha-2 shape (two upper-case letters). */
export const CountrySchema = z
  .string()
  .regex(/^[A-Z]{2}$/, { error: 'ISO 3166-1 alpha-2 country code, e.g. "US"' });

const line = (max: number) => z.string().trim().min(1, { error: 'Required' }).max(max);

export const AddressSchema = z.object({
  country: CountrySchema,
  line1: line(200),
  line2: line(200).optional(),
  city: line(100),
  region: line(100).optional(),
  postalCode: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 -]{1,11}$/, {
    error: 'Postal code of 2-12 letters, digits, spaces or dashes',
  }),
});

export const PhoneSchema = z
  .string()
  .regex(/^\+[1-9]\d{1,14}$/, { error: 'Phone number in E.164 form, e.g. +14155550123' });

/** seed 000 step 3: the code comes by SMS, or by a voice call on request. */
export const VerificationChannelSchema = z.enum(['sms', 'voice']);
export const VerificationCodeSchema = z.string().regex(/^\d{4,8}$/, { error: '4-8 digits' });

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * A card or PayPal account as entered, before tokenizing (API and client edge only:
 * no workflow receives it). Strict: an unknown key is refused by name, not dropped.
 * Card expiry against "now" needs a clock: the caller checks it with an instant.
 */
export const PaymentMethodSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('card'),
    number: z
      .string()
      .regex(/^\d{12,19}$/, { error: '12-19 digits, no spaces' })
      .refine(luhn, { error: 'Card number fails the checksum' }),
    expMonth: z.int().min(1).max(12),
    expYear: z.int().min(2000).max(2100),
    cvc: z.string().regex(/^\d{3,4}$/, { error: '3 or 4 digits' }),
    holderName: line(100),
  }),
  z.strictObject({
    type: z.literal('paypal'),
    email: z.email({ error: 'A valid email address' }),
  }),
]);

export const PromoCodeInputSchema = z.object({
  accountId: AccountIdSchema,
  code: PromoCodeSchema,
  /** seed 000: during a trial upgrade, or "Add Funds" on an upgraded account. */
  context: z.enum(['trial_upgrade', 'add_funds']),
});

/** seed 000 steps 2-8 in one payload. */
export const UpgradeAccountSchema = z
  .object({
    accountId: AccountIdSchema,
    phone: PhoneSchema,
    verificationChannel: VerificationChannelSchema,
    companyAddress: AddressSchema,
    /** seed 000 step 5: "Same as Company Address" instead of a billing address. */
    billingSameAsCompany: z.boolean().default(false),
    billingAddress: AddressSchema.optional(),
    paymentMethod: PaymentMethodSchema,
    promoCode: PromoCodeSchema.optional(),
    /** Must stay off so that the payment method is not charged (seed 000 step 8). */
    automaticRecharge: z.literal(false, {
      error: 'Automatic recharge must be disabled for the upgrade',
    }),
  })
  .superRefine((u, ctx) => {
    if (!u.billingSameAsCompany && u.billingAddress === undefined) {
      ctx.addIssue({ code: 'custom', message: 'Required', path: ['billingAddress'] });
    }
  });

export type AddressInput = z.infer<typeof AddressSchema>;
export type PaymentMethodInput = z.infer<typeof PaymentMethodSchema>;
export type PromoCodeInput = z.infer<typeof PromoCodeInputSchema>;
export type UpgradeAccountInput = z.infer<typeof UpgradeAccountSchema>;
