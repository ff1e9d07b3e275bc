/**
 * The coupon-code rule, in a module of its own: the trial upgrade's promo code
 * follows it, and a workflow run evaluates every module it imports, so the upgrade
 * does not build the identifier schemas it never uses (identifiers.ts re-exports it).
 */
import { z } from 'zod';

/**
 * seed 002 §Getting coupons: a coupon code is an exact, case-sensitive string.
 * It is NOT trimmed or case-folded (that would redeem a different code); instead
 * whitespace and control characters are rejected outright. 1-64 of [A-Za-z0-9_-].
 */
export const CouponCodeSchema = z
  .string()
  .min(1, { error: 'Coupon code is required' })
  .max(64, { error: 'Coupon code is at most 64 characters' })
  .regex(/^[A-Za-z0-9_-]+$/, {
    error: 'Coupon code may contain only A-Z a-z 0-9 _ - (case-sensitive, no spaces)',
  });
