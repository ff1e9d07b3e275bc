/**
 * Sharing coupons across accounts (seed 002 §Sharing): the owner shares a coupon
 * to its organization (every account under it, following accounts as they join
 * or leave: access.ts resolves membership at each use) or to a fixed list of
 * accounts; the owner can cancel. Membership changes are operations too.
 *
 * Rules we chose (docs/rules.md "Sharing"):
 * - only the owner shares or cancels (`coupon_not_owned`); an organization share
 *   goes to the owner's own organization (`account_not_in_organization`);
 * - an ended coupon (used, expired, invalid) cannot be shared (`coupon_not_eligible`);
 * - sharing what is already shared the same way returns the existing share;
 * - an owner leaving its organization ends its shares to it (they were shares "to
 *   the owner's organization");
 * - a coupon already frozen for a member's unpaid order stays with that order when
 *   the share ends (it is released or paid as usual); new uses are refused.
 *
 * Locks (locks.ts order): accounts → coupons. A freeze locks the member's account
 * and the coupon before judging access, so it never races a cancellation or a
 * membership change into using a coupon no longer shared.
 */
import { randomUUID } from 'node:crypto';
import { effectiveStatus } from '../../domain';
import type { CouponShare } from '../../generated/prisma/client';
import type { Database } from '../database';
import { lockAccounts, lockCoupons } from './locks';
import { runOperation, type Tx } from './operation';
import { accountNotFound, LedgerRefusal } from './refusal';
import { loadCoupon, toDomainCoupon } from './rows';
import type {
  CancelShareInput,
  MembershipInput,
  MembershipResult,
  OrganizationInput,
  OrganizationView,
  ShareCouponInput,
  ShareView,
} from './types';

export async function shareCoupon(db: Database, input: ShareCouponInput): Promise<ShareView> {
  const { operationKey, at, ...request } = input;
  return runOperation(db, { key: operationKey, kind: 'shareCoupon', request }, async (tx) => {
    const accountIds =
      input.scope === 'accounts' ? [...new Set(input.accountIds ?? [])].sort() : [];
    await lockAccounts(tx, [input.ownerAccountId]);
    const found = new Set(
      (
        await tx.account.findMany({
          where: { id: { in: [input.ownerAccountId, ...accountIds] } },
          select: { id: true },
        })
      ).map((a) => a.id),
    );
    const missing = [input.ownerAccountId, ...accountIds].filter((id) => !found.has(id));
    if (missing.length > 0) {
      throw new LedgerRefusal('account_not_found', `no account ${missing.join(', ')}`, {
        accountIds: missing,
      });
    }
    await lockCoupons(tx, [input.couponId]);
    const row = await loadCoupon(tx, input.couponId);
    checkOwner(row, input.ownerAccountId);
    const status = effectiveStatus(toDomainCoupon(row), at);
    if (status !== 'available' && status !== 'frozen') {
      throw new LedgerRefusal(
        'coupon_not_eligible',
        `coupon ${row.id} is ${status}: nothing to share`,
        {
          couponId: row.id,
          reasons: [
            {
              code: status === 'expired' ? 'expired' : 'not_available',
              message: `Coupon is ${status}`,
            },
          ],
        },
      );
    }

    let organizationId: string | null = null;
    if (input.scope === 'organization') {
      organizationId = input.organizationId ?? null;
      const organization = organizationId
        ? await tx.organization.findUnique({ where: { id: organizationId } })
        : null;
      if (!organization) {
        throw new LedgerRefusal('organization_not_found', `no organization ${organizationId}`, {
          organizationId,
        });
      }
      const owner = await tx.account.findUniqueOrThrow({ where: { id: input.ownerAccountId } });
      if (owner.organizationId !== organization.id) {
        throw new LedgerRefusal(
          'account_not_in_organization',
          `account ${owner.id} is not in organization ${organization.id}: a coupon is shared to its owner's organization`,
          { accountId: owner.id, organizationId: organization.id },
        );
      }
    }

    const same = await tx.couponShare.findFirst({
      where: {
        couponId: row.id,
        cancelledAt: null,
        scope: input.scope,
        organizationId,
        accountIds: { equals: accountIds },
      },
    });
    if (same) return shareView(same);
    const created = await tx.couponShare.create({
      data: {
        id: `shr-${randomUUID()}`,
        couponId: row.id,
        scope: input.scope,
        organizationId,
        accountIds,
        createdAt: new Date(at),
      },
    });
    return shareView(created);
  });
}

export async function cancelShare(db: Database, input: CancelShareInput): Promise<ShareView> {
  const { operationKey, at, ...request } = input;
  return runOperation(db, { key: operationKey, kind: 'cancelShare', request }, async (tx) => {
    await lockAccounts(tx, [input.ownerAccountId]);
    const share = await tx.couponShare.findUnique({ where: { id: input.shareId } });
    if (!share) {
      throw new LedgerRefusal('share_not_found', `no share ${input.shareId}`, {
        shareId: input.shareId,
      });
    }
    await lockCoupons(tx, [share.couponId]);
    checkOwner(await loadCoupon(tx, share.couponId), input.ownerAccountId);
    // Already cancelled: nothing more to do.
    if (share.cancelledAt !== null) return shareView(share);
    const cancelled = await tx.couponShare.update({
      where: { id: share.id },
      data: { cancelledAt: new Date(at) },
    });
    return shareView(cancelled);
  });
}

/**
 * Records the organization, or renames it (PUT semantics: calling again is
 * harmless). Organizations come from the provider's account system; the ledger
 * keeps them only so that shares can follow membership.
 */
export async function registerOrganization(
  db: Database,
  input: OrganizationInput,
): Promise<OrganizationView> {
  const row = await db.organization.upsert({
    where: { id: input.organizationId },
    create: { id: input.organizationId, name: input.name },
    update: { name: input.name },
  });
  return { organizationId: row.id, name: row.name, createdAt: row.createdAt.toISOString() };
}

/** The account joins the organization (leaving the one it was in, if any). */
export async function joinOrganization(
  db: Database,
  input: MembershipInput,
): Promise<MembershipResult> {
  const { operationKey, ...request } = input;
  return runOperation(db, { key: operationKey, kind: 'joinOrganization', request }, async (tx) => {
    const account = await lockMember(tx, input.accountId);
    const organization = await tx.organization.findUnique({ where: { id: input.organizationId } });
    if (!organization) {
      throw new LedgerRefusal('organization_not_found', `no organization ${input.organizationId}`, {
        organizationId: input.organizationId,
      });
    }
    if (account.organizationId !== null && account.organizationId !== organization.id) {
      await endOwnerShares(tx, account.id, account.organizationId);
    }
    await tx.account.update({
      where: { id: account.id },
      data: { organizationId: organization.id },
    });
    return { accountId: account.id, organizationId: organization.id };
  });
}

/** The account leaves the organization: it loses what is shared there, and its own shares there end. */
export async function leaveOrganization(
  db: Database,
  input: MembershipInput,
): Promise<MembershipResult> {
  const { operationKey, ...request } = input;
  return runOperation(db, { key: operationKey, kind: 'leaveOrganization', request }, async (tx) => {
    const account = await lockMember(tx, input.accountId);
    if (account.organizationId !== input.organizationId) {
      throw new LedgerRefusal(
        'account_not_in_organization',
        `account ${account.id} is not in organization ${input.organizationId}`,
        { accountId: account.id, organizationId: input.organizationId },
      );
    }
    await endOwnerShares(tx, account.id, input.organizationId);
    await tx.account.update({ where: { id: account.id }, data: { organizationId: null } });
    return { accountId: account.id, organizationId: null };
  });
}

async function lockMember(tx: Tx, accountId: string) {
  await lockAccounts(tx, [accountId]);
  const account = await tx.account.findUnique({ where: { id: accountId } });
  if (!account) {
    throw accountNotFound(accountId);
  }
  return account;
}

/** Ends the owner's organization shares to `organizationId` (their coupons locked first). */
async function endOwnerShares(
  tx: Tx,
  ownerAccountId: string,
  organizationId: string,
): Promise<void> {
  const where = {
    scope: 'organization',
    organizationId,
    cancelledAt: null,
    coupon: { ownerAccountId },
  };
  const shares = await tx.couponShare.findMany({ where, select: { couponId: true } });
  if (shares.length === 0) return;
  await lockCoupons(
    tx,
    shares.map((s) => s.couponId),
  );
  // Membership has no instant of its own: the share ends when the owner leaves.
  await tx.couponShare.updateMany({ where, data: { cancelledAt: new Date() } });
}

function checkOwner(row: { id: string; ownerAccountId: string }, accountId: string): void {
  if (row.ownerAccountId !== accountId) {
    throw new LedgerRefusal(
      'coupon_not_owned',
      `coupon ${row.id} is not owned by account ${accountId}: only its owner shares it`,
      { couponId: row.id, accountId },
    );
  }
}

export function shareView(share: CouponShare): ShareView {
  return {
    shareId: share.id,
    couponId: share.couponId,
    scope: share.scope === 'organization' ? 'organization' : 'accounts',
    organizationId: share.organizationId,
    accountIds: [...share.accountIds],
    createdAt: share.createdAt.toISOString(),
    cancelledAt: share.cancelledAt?.toISOString() ?? null,
  };
}
