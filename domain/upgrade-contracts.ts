/**
 * zod schemas for the trial-account upgrade and promo codes (seed 000): the fields
 * the upgrade's workflow checks in its updates. Parse with `parseInput` (parse.ts):
 * errors name each field path. What only the edge parses (a card or PayPal account
 * as entered, whole-upgrade payloads) is in upgrade-entry.ts: a workflow run
 * evaluates every module it imports, so those schemas stay out of its imports.
 */
import { z } from 'zod';
import { CouponCodeSchema } from './coupon-code';

/** Promo codes (seed 000) follow the coupon-code rule: exact, case-sensitive. */
export const PromoCodeSchema = CouponCodeSchema;

/** ISO 3166-1 alpha-2 shape (two upper-case letters). */
export const CountrySchema = z
  .string()
  .regex(/^[A-Z]{2}$/, { error: 'ISO 3166-1 alpha-2 country code, e.g. "US"' });

/** A required line of text, trimmed, at most `max` characters (addresses, a card holder's name). */
export const textLine = (max: number) => z.string().trim().min(1, { error: 'Required' }).max(max);

export const AddressSchema = z.object({
  country: CountrySchema,
  line1: textLine(200),
  line2: textLine(200).optional(),
  city: textLine(100),
  region: textLine(100).optional(),
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

export type AddressInput = z.infer<typeof AddressSchema>;
