/**
 * Issue 5: sharing coupons across accounts (seed 002 §Sharing) on the real
 * database — shareCoupon to the owner's organization (following its membership)
 * or to a fixed list of accounts, cancelShare, joinOrganization and
 * leaveOrganization; a member uses (freezes, deducts, draws) a coupon shared with
 * it, and loses it when it leaves or the share is cancelled.
 */
import { useLedgerDatabase } from '../../support/ledger-harness';
import {
  couponSharedWithMember,
  T0,
  createAccount,
  createOrganization,
  daysAfter,
  detailsOf,
  grantCoupon,
  ledgerRowCounts,
  refusalOf,
  uid,
} from '../../support/ledger-fixtures';
import { movementsAfterGrant } from '../../support/ledger-reads';

jest.setTimeout(60_000);
const t = useLedgerDatabase();

/** The coupon ids the account may use for a 10.00 ecs order now. */
async function usable(accountId: string): Promise<string[]> {
  const options = await t.ledger.listCouponOptions({
    accountId,
    orderId: uid('ord'),
    commodityCode: 'ecs',
    orderType: 'new_purchase',
    amount: '10.00',
    currency: 'USD',
    at: T0,
  });
  return options.filter((o) => o.eligible).map((o) => o.couponId);
}

const freezeFor = (accountId: string, couponId: string, orderId = uid('ord')) =>
  t.ledger.freezeCouponForOrder({
    accountId,
    couponId,
    orderId,
    commodityCode: 'ecs',
    orderType: 'new_purchase',
    amount: '10.00',
    currency: 'USD',
    at: T0,
    operationKey: uid('op'),
  });

const join = (accountId: string, organizationId: string) =>
  t.ledger.joinOrganization({ accountId, organizationId, operationKey: uid('op') });
const leave = (accountId: string, organizationId: string) =>
  t.ledger.leaveOrganization({ accountId, organizationId, operationKey: uid('op') });

describe('organization shares follow membership', () => {
  test('a member joining gains the shared coupon and can pay with it; leaving loses it', async () => {
    const org = await createOrganization(t.db);
    const owner = await createAccount(t.db, { organizationId: org });
    const member = await createAccount(t.db);
    const couponId = await grantCoupon(t.db, { ownerAccountId: owner });
    const input = {
      couponId,
      ownerAccountId: owner,
      scope: 'organization' as const,
      organizationId: org,
      at: T0,
      operationKey: uid('op'),
    };
    const share = await t.ledger.shareCoupon(input);
    expect(share).toEqual({
      shareId: expect.stringMatching(/^shr-/),
      couponId,
      scope: 'organization',
      organizationId: org,
      accountIds: [],
      createdAt: T0,
      cancelledAt: null,
    });
    // Retry replays; the same key for another share is refused.
    expect(await t.ledger.shareCoupon({ ...input, at: daysAfter(1) })).toEqual(share);
    const reused = await refusalOf(
      t.ledger.shareCoupon({
        ...input,
        scope: 'accounts',
        organizationId: undefined,
        accountIds: [member],
      }),
    );
    expect(reused.type).toBe('operation_key_reused');

    expect(await usable(member)).toEqual([]);
    expect(await join(member, org)).toEqual({ accountId: member, organizationId: org });
    expect(await usable(member)).toEqual([couponId]);

    // The member pays an order with it: frozen and deducted on the owner's coupon.
    const orderId = uid('ord');
    const quote = await freezeFor(member, couponId, orderId);
    await t.ledger.deductCoupon({
      couponId,
      orderId,
      amount: quote.deduction,
      at: T0,
      operationKey: uid('op'),
    });
    expect((await movementsAfterGrant(t.db, couponId)).map((m) => [m.kind, m.delta])).toEqual([
      ['freeze', '0'],
      ['deduct', '-10'],
    ]);

    expect(await leave(member, org)).toEqual({ accountId: member, organizationId: null });
    expect(await usable(member)).toEqual([]);
    const refused = await refusalOf(freezeFor(member, couponId));
    expect(refused.type).toBe('coupon_not_eligible');
    expect(detailsOf(refused).reasons).toEqual([
      expect.objectContaining({ code: 'not_shared_with_account' }),
    ]);
    // The owner keeps it.
    expect(await usable(owner)).toEqual([couponId]);
  });

  test('a member draws down a bill on the shared coupon', async () => {
    const org = await createOrganization(t.db);
    const owner = await createAccount(t.db, { organizationId: org });
    const member = await createAccount(t.db, { organizationId: org });
    const couponId = await grantCoupon(t.db, { ownerAccountId: owner, faceValue: '8.00' });
    await t.ledger.shareCoupon({
      couponId,
      ownerAccountId: owner,
      scope: 'organization',
      organizationId: org,
      at: T0,
      operationKey: uid('op'),
    });
    const drawn = await t.ledger.drawDownBill({
      billId: uid('bill'),
      accountId: member,
      commodityCode: 'ecs',
      amount: '10.00',
      currency: 'USD',
      overdue: false,
      at: T0,
      operationKey: uid('op'),
    });
    expect(drawn).toMatchObject({
      draws: [{ couponId, amount: '8.00', balanceAfter: '0.00' }],
      remainder: '2.00',
    });
  });

  test('the owner leaving its organization ends its shares there; its members lose the coupon', async () => {
    const org = await createOrganization(t.db);
    const owner = await createAccount(t.db, { organizationId: org });
    const member = await createAccount(t.db, { organizationId: org });
    const couponId = await grantCoupon(t.db, { ownerAccountId: owner });
    const share = await t.ledger.shareCoupon({
      couponId,
      ownerAccountId: owner,
      scope: 'organization',
      organizationId: org,
      at: T0,
      operationKey: uid('op'),
    });
    expect(await usable(member)).toEqual([couponId]);
    await leave(owner, org);
    expect(await usable(member)).toEqual([]);
    const row = await t.db.couponShare.findUniqueOrThrow({ where: { id: share.shareId } });
    expect(row.cancelledAt).not.toBeNull();
    // Re-joining does not revive the ended share.
    await join(owner, org);
    expect(await usable(member)).toEqual([]);
  });
});

describe('account-list shares and cancelling', () => {
  test('only the listed accounts gain the coupon; cancelling the share removes it', async () => {
    const org = await createOrganization(t.db);
    const owner = await createAccount(t.db, { organizationId: org });
    const listed = await createAccount(t.db);
    const notListed = await createAccount(t.db, { organizationId: org });
    const couponId = await grantCoupon(t.db, { ownerAccountId: owner });
    const share = await t.ledger.shareCoupon({
      couponId,
      ownerAccountId: owner,
      scope: 'accounts',
      accountIds: [listed, listed],
      at: T0,
      operationKey: uid('op'),
    });
    expect(share).toMatchObject({ scope: 'accounts', accountIds: [listed], organizationId: null });
    expect(await usable(listed)).toEqual([couponId]);
    expect(await usable(notListed)).toEqual([]);
    // Sharing the same way again returns the same share.
    expect(
      await t.ledger.shareCoupon({
        couponId,
        ownerAccountId: owner,
        scope: 'accounts',
        accountIds: [listed],
        at: daysAfter(1),
        operationKey: uid('op'),
      }),
    ).toEqual(share);

    const cancel = {
      shareId: share.shareId,
      ownerAccountId: owner,
      at: daysAfter(2),
      operationKey: uid('op'),
    };
    const cancelled = await t.ledger.cancelShare(cancel);
    expect(cancelled).toEqual({ ...share, cancelledAt: daysAfter(2) });
    expect(await usable(listed)).toEqual([]);
    expect(await t.ledger.cancelShare(cancel)).toEqual(cancelled);
    // Cancelling again under another key: already cancelled, unchanged.
    expect(
      await t.ledger.cancelShare({ ...cancel, at: daysAfter(3), operationKey: uid('op') }),
    ).toEqual(cancelled);
  });

  test("a coupon frozen for a member's unpaid order stays with that order when the share is cancelled", async () => {
    const { owner, member, couponId, shareId } = await couponSharedWithMember(t.db, t.ledger);
    const orderId = uid('ord');
    const quote = await freezeFor(member, couponId, orderId);
    await t.ledger.cancelShare({
      shareId,
      ownerAccountId: owner,
      at: T0,
      operationKey: uid('op'),
    });
    expect(
      await t.ledger.deductCoupon({
        couponId,
        orderId,
        amount: quote.deduction,
        at: T0,
        operationKey: uid('op'),
      }),
    ).toMatchObject({ deducted: '10.00', balanceAfter: '90.00' });
    expect((await refusalOf(freezeFor(member, couponId))).type).toBe('coupon_not_eligible');
  });
});

describe('refusals write nothing', () => {
  test('sharing, cancelling and membership refusals', async () => {
    const org = await createOrganization(t.db);
    const otherOrg = await createOrganization(t.db);
    const owner = await createAccount(t.db, { organizationId: org });
    const stranger = await createAccount(t.db);
    const couponId = await grantCoupon(t.db, { ownerAccountId: owner });
    const ended = await grantCoupon(t.db, {
      ownerAccountId: owner,
      effectiveAt: daysAfter(-9),
      expiresAt: daysAfter(-1),
    });
    const share = await t.ledger.shareCoupon({
      couponId,
      ownerAccountId: owner,
      scope: 'accounts',
      accountIds: [stranger],
      at: T0,
      operationKey: uid('op'),
    });
    const before = await ledgerRowCounts(t.db);
    const base = {
      couponId,
      ownerAccountId: owner,
      scope: 'organization' as const,
      organizationId: org,
      at: T0,
      operationKey: uid('op'),
    };
    const refused = async (p: Promise<unknown>) => (await refusalOf(p)).type;

    expect(await refused(t.ledger.shareCoupon({ ...base, ownerAccountId: stranger }))).toBe(
      'coupon_not_owned',
    );
    expect(await refused(t.ledger.shareCoupon({ ...base, organizationId: otherOrg }))).toBe(
      'account_not_in_organization',
    );
    expect(await refused(t.ledger.shareCoupon({ ...base, organizationId: 'org-missing' }))).toBe(
      'organization_not_found',
    );
    expect(
      await refused(
        t.ledger.shareCoupon({
          ...base,
          scope: 'accounts',
          organizationId: undefined,
          accountIds: ['acct-missing'],
        }),
      ),
    ).toBe('account_not_found');
    expect(await refused(t.ledger.shareCoupon({ ...base, couponId: ended }))).toBe(
      'coupon_not_eligible',
    );
    expect(await refused(t.ledger.shareCoupon({ ...base, couponId: 'cpn-missing' }))).toBe(
      'coupon_not_found',
    );
    const noOrg = await refusalOf(t.ledger.shareCoupon({ ...base, organizationId: undefined }));
    expect(noOrg.type).toBe('invalid_input');
    expect(detailsOf(noOrg).fields).toEqual([expect.objectContaining({ path: 'organizationId' })]);

    const cancel = {
      shareId: share.shareId,
      ownerAccountId: stranger,
      at: T0,
      operationKey: uid('op'),
    };
    expect(await refused(t.ledger.cancelShare(cancel))).toBe('coupon_not_owned');
    expect(await refused(t.ledger.cancelShare({ ...cancel, shareId: 'shr-missing' }))).toBe(
      'share_not_found',
    );

    expect(await refused(leave(stranger, org))).toBe('account_not_in_organization');
    expect(await refused(join(stranger, 'org-missing'))).toBe('organization_not_found');
    expect(await refused(join('acct-missing', org))).toBe('account_not_found');

    expect(await ledgerRowCounts(t.db)).toEqual(before);
    expect(
      (await t.db.account.findUniqueOrThrow({ where: { id: stranger } })).organizationId,
    ).toBeNull();
    expect(await usable(stranger)).toEqual([couponId]);
  });
});
