/**
 * Typed client of the coupon ledger (seed 002 §Coupon list, §Sharing): an
 * account's coupons (its own and those shared with it) with the seed's filters
 * and paging, a coupon's history ("view details"), an order's or bill's coupon
 * deduction amount, sharing a coupon and cancelling a share, and organization
 * membership (what organization shares follow).
 *
 * These are single ledger operations, not workflows: each is one idempotent
 * transaction on the engine's database (a share's `operationKey` makes a retried
 * call return the first answer), with nothing to wait for or compensate. Coupons
 * are spent only by orders and bills (client/orders.ts, client/bills.ts), and
 * promo or coupon codes are redeemed by `addFundsWithPromoCode` (a workflow).
 *
 * Inputs are validated with the ledger's zod contracts; every refusal is thrown
 * as `CouponRefusal` with a reason code (`invalid_input` naming the fields,
 * `coupon_not_found`, `coupon_not_owned`, `account_not_in_organization`, ...).
 */
import type { Database } from '../activities/database';
import { parseLedgerInput, LedgerRefusal } from '../activities/ledger/refusal';
import {
  couponDeduction,
  couponHistory,
  listCoupons as listLedgerCoupons,
} from '../activities/ledger/reads';
import * as S from '../activities/ledger/schemas';
import {
  cancelShare,
  joinOrganization as joinLedgerOrganization,
  leaveOrganization as leaveLedgerOrganization,
  registerOrganization as registerLedgerOrganization,
  shareCoupon as shareLedgerCoupon,
} from '../activities/ledger/sharing';
import type {
  CancelShareInput,
  CouponDeductionView,
  CouponHistory,
  CouponHistoryInput,
  CouponPage,
  CouponView,
  LedgerRefusalCode,
  ListCouponsInput,
  MembershipInput,
  MembershipResult,
  OrganizationInput,
  OrganizationView,
  ShareCouponInput,
  ShareView,
} from '../activities/ledger/types';
import type { z } from 'zod';
import type { FieldError } from '../domain/contracts';

export type {
  CouponDeductionView,
  CouponHistory,
  CouponPage,
  CouponView,
  MembershipResult,
  OrganizationView,
  ShareView,
};

/** What the coupon functions need: the engine's database (DATABASE_URL). */
export interface CouponClientContext {
  db: Database;
}

/** A refusal of the ledger, with its reason code; nothing was changed. */
export class CouponRefusal extends Error {
  override readonly name = 'CouponRefusal';
  constructor(
    readonly code: LedgerRefusalCode,
    message: string,
    readonly details: { fields?: FieldError[]; field?: string; [key: string]: unknown } = {},
  ) {
    super(message);
  }
}

/** Validates with the ledger's contract, runs, and types the ledger's refusals. */
async function ledgerCall<I, R>(
  schema: z.ZodType<I>,
  input: I,
  run: (valid: I) => Promise<R>,
): Promise<R> {
  try {
    return await run(parseLedgerInput(schema, input));
  } catch (err) {
    if (err instanceof LedgerRefusal) throw new CouponRefusal(err.code, err.message, err.details);
    throw err;
  }
}

/** One page of the account's coupons, soonest expiry first; `nextCursor` continues it. */
export function listCoupons(
  ctx: CouponClientContext,
  input: ListCouponsInput,
): Promise<CouponPage> {
  return ledgerCall(S.ListCouponsSchema, input, (i) => listLedgerCoupons(ctx.db, i));
}

/** The coupon (own or shared with the account) and every movement, oldest first. */
export function getCouponHistory(
  ctx: CouponClientContext,
  input: CouponHistoryInput,
): Promise<CouponHistory> {
  return ledgerCall(S.CouponHistorySchema, input, (i) => couponHistory(ctx.db, i));
}

/** What coupons took off an order or a bill, and what came back. */
export function getCouponDeduction(
  ctx: CouponClientContext,
  target: { orderId: string } | { billId: string },
): Promise<CouponDeductionView> {
  return ledgerCall(S.CouponDeductionSchema, target, (i) => couponDeduction(ctx.db, i));
}

/** Shares the owner's coupon with its organization or with listed accounts. */
export function shareCoupon(ctx: CouponClientContext, input: ShareCouponInput): Promise<ShareView> {
  return ledgerCall(S.ShareCouponSchema, input, (i) => shareLedgerCoupon(ctx.db, i));
}

/** Ends a share: the accounts it reached lose the coupon (a use already frozen stays). */
export function cancelCouponShare(
  ctx: CouponClientContext,
  input: CancelShareInput,
): Promise<ShareView> {
  return ledgerCall(S.CancelShareSchema, input, (i) => cancelShare(ctx.db, i));
}

/** Records an organization (or renames it): accounts join it to share coupons. */
export function registerOrganization(
  ctx: CouponClientContext,
  input: OrganizationInput,
): Promise<OrganizationView> {
  return ledgerCall(S.OrganizationSchema, input, (i) => registerLedgerOrganization(ctx.db, i));
}

/** The account joins the organization (leaving its previous one, whose shares by it end). */
export function joinOrganization(
  ctx: CouponClientContext,
  input: MembershipInput,
): Promise<MembershipResult> {
  return ledgerCall(S.MembershipSchema, input, (i) => joinLedgerOrganization(ctx.db, i));
}

/** The account leaves: it loses what is shared there, and its own shares there end. */
export function leaveOrganization(
  ctx: CouponClientContext,
  input: MembershipInput,
): Promise<MembershipResult> {
  return ledgerCall(S.MembershipSchema, input, (i) => leaveLedgerOrganization(ctx.db, i));
}
