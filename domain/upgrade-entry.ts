/**
 * What the edge (API, client library, payment gateway) parses of a trial upgrade
 * and never a workflow: a card or PayPal account as entered, before tokenizing, and
 * the upgrade's fields in one payload (seed 000). Kept out of upgrade-contracts.ts,
 * which the upgrade's workflow imports and each of its runs evaluates again.
 */
import { z } from 'zod';
import { AccountIdSchema } from './identifiers';
import {
  AddressSchema,
  PhoneSchema,
  PromoCodeSchema,
  textLine,
  VerificationChannelSchema,
} from './upgrade-contracts';

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
    holderName: textLine(100),
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

export type PaymentMethodInput = z.infer<typeof PaymentMethodSchema>;
export type PromoCodeInput = z.infer<typeof PromoCodeInputSchema>;
export type UpgradeAccountInput = z.infer<typeof UpgradeAccountSchema>;
