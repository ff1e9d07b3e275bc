/**
 * What each update of the trial upgrade accepts, built on domain/upgrade-contracts.
 * Strict objects: an unexpected field (a raw card `number`, a plain `code`) is
 * refused by the validator, so it never reaches workflow history.
 */
import { z } from 'zod';
import {
  AddressSchema,
  PhoneSchema,
  PromoCodeSchema,
  VerificationChannelSchema,
} from '../../domain/upgrade-contracts';

export const SubmitPhoneSchema = z.strictObject({
  phone: PhoneSchema,
  channel: VerificationChannelSchema.default('sms'),
});

export const ResendCodeSchema = z.strictObject({
  channel: VerificationChannelSchema.optional(),
});

/** The typed code, sealed by the client library (see client/trial-upgrade.ts `verifyCode`). */
export const VerifyCodeSchema = z.strictObject({
  sealedCode: z.string().regex(/^v1\.[A-Za-z0-9_-]{40,200}$/, {
    error: 'A code sealed by the client library (verifyCode seals it)',
  }),
});

export const CompanyAddressSchema = AddressSchema;

/**
 * seed 000 step 5: a billing address, or "Same as Company Address", with the given
 * address schema (the API's body refuses unknown keys: StrictBillingAddressSchema
 * in api/routes/trial-upgrade.ts, built there so that no workflow run builds it).
 */
export const billingAddressSchemaOf = <A extends z.ZodType<z.output<typeof AddressSchema>>>(
  address: A,
) =>
  z
    .strictObject({
      sameAsCompany: z.boolean().default(false),
      address: address.optional(),
    })
    .superRefine((b, ctx) => {
      if (!b.sameAsCompany && b.address === undefined) {
        ctx.addIssue({ code: 'custom', message: 'Required', path: ['address'] });
      }
      if (b.sameAsCompany && b.address !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message: 'Give an address or sameAsCompany: true, not both',
          path: ['address'],
        });
      }
    });

/**
 * What the workflow's update accepts. Its address drops unknown keys rather than
 * refusing them: the handler parses again on replay, so refusing now what earlier
 * runs accepted would fail their replay.
 */
export const BillingAddressSchema = billingAddressSchemaOf(AddressSchema);

const TokenSchema = z.string().regex(/^tok_[A-Za-z0-9_]{8,200}$/, {
  error: 'A payment gateway token (tok_...); tokenize the card first',
});

/** Only what the gateway returned from tokenizing: never a card number or CVC. */
export const TokenizedPaymentMethodSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('card'),
    token: TokenSchema,
    brand: z.enum([
      'visa',
      'mastercard',
      'amex',
      'discover',
      'jcb',
      'diners',
      'unionpay',
      'unknown',
    ]),
    last4: z.string().regex(/^\d{4}$/, { error: 'The last four digits' }),
    expMonth: z.int().min(1).max(12),
    expYear: z.int().min(2000).max(2100),
  }),
  z.strictObject({
    type: z.literal('paypal'),
    token: TokenSchema,
    label: z.string().min(1).max(100),
  }),
]);

export const SubmitPromoCodeSchema = z.strictObject({ code: PromoCodeSchema });

export type SubmitPhoneInput = z.input<typeof SubmitPhoneSchema>;
export type ResendCodeInput = z.input<typeof ResendCodeSchema>;
export type VerifyCodeInput = z.input<typeof VerifyCodeSchema>;
export type BillingAddressInput = z.input<typeof BillingAddressSchema>;
export type TokenizedPaymentMethodInput = z.input<typeof TokenizedPaymentMethodSchema>;
export type SubmitPromoCodeInput = z.input<typeof SubmitPromoCodeSchema>;
