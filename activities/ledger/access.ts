/**
 * Which coupons an account may use (seed 002 §Sharing): its own, plus those
 * shared to its current organization (following membership as it changes) or to
 * a fixed list naming it. Cancelled shares grant nothing. Operations that use a
 * coupon call this after locking the account and the coupon (sharing.ts), so the
 * answer cannot change before they commit.
 */
import type { Prisma } from '../../generated/prisma/client';
import type { Tx } from './operation';
import { accountNotFound } from './refusal';

export interface AccountAccess {
  accountId: string;
  organizationId: string | null;
  /** Coupons shared with the account by others (resolved share scopes). */
  sharedCouponIds: string[];
}

export async function resolveAccess(tx: Tx, accountId: string): Promise<AccountAccess> {
  const account = await tx.account.findUnique({
    where: { id: accountId },
    select: { id: true, organizationId: true },
  });
  if (!account) {
    throw accountNotFound(accountId);
  }
  const scopes: Prisma.CouponShareWhereInput[] = [
    { scope: 'accounts', accountIds: { has: accountId } },
  ];
  if (account.organizationId) {
    // Shared "to the owner's organization": only while the owner is still in it
    // (leaveOrganization ends such shares; this holds even for older rows).
    scopes.push({
      scope: 'organization',
      organizationId: account.organizationId,
      coupon: { owner: { organizationId: account.organizationId } },
    });
  }
  const shares = await tx.couponShare.findMany({
    where: { cancelledAt: null, OR: scopes },
    select: { couponId: true },
  });
  return {
    accountId,
    organizationId: account.organizationId,
    sharedCouponIds: [...new Set(shares.map((s) => s.couponId))],
  };
}

/** Prisma filter for the coupons the account may see or use. */
export function accessibleWhere(access: AccountAccess): Prisma.CouponWhereInput {
  return { OR: [{ ownerAccountId: access.accountId }, { id: { in: access.sharedCouponIds } }] };
}
