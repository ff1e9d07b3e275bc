/**
 * Identifier schemas (and, re-exported, the coupon-code rule): the primitives every
 * contract builds on, in a module of their own so that a workflow needing only these
 * does not build all of contracts.ts in each run.
 */
import { z } from 'zod';

const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const idSchema = (what: string) =>
  z.string().regex(ID, {
    error: `${what} must be 1-64 characters of A-Z a-z 0-9 _ - (starting alphanumeric)`,
  });

export const AccountIdSchema = idSchema('Account id');
export const OrderIdSchema = idSchema('Order id');
export const BillIdSchema = idSchema('Bill id');
export const CouponIdSchema = idSchema('Coupon id');
export const OrganizationIdSchema = idSchema('Organization id');
export const ShareIdSchema = idSchema('Share id');

export { CouponCodeSchema } from './coupon-code';
