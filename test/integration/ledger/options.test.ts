/**
 * Issue 5: the payment page's coupon list (listCouponOptions) and the
 * auto-renewal choice (chooseRenewalCoupon) on the real database: own and shared
 * coupons, every reason a coupon cannot pay, deductions, and the renewal rule.
 * Both are reads: nothing is written.
 */
import type { LedgerActivities } from '../../../activities/ledger/activities';
import { useLedgerDatabase } from '../../support/ledger-harness';
import {
  T0,
  createAccount,
  daysAfter,
  detailsOf,
  grantCoupon,
  ledgerRowCounts,
  refusalOf,
  uid,
} from '../../support/ledger-fixtures';

jest.setTimeout(60_000);
const t = useLedgerDatabase();

/** A share row as shareCoupon writes it: to a fixed list of accounts. */
async function shareWith(couponId: string, accountIds: string[]): Promise<void> {
  await t.db.couponShare.create({
    data: { id: uid('shr'), couponId, scope: 'accounts', accountIds },
  });
}

type OptionsInput = Parameters<LedgerActivities['listCouponOptions']>[0];

const order = (accountId: string, over: Partial<OptionsInput> = {}): OptionsInput => ({
  accountId,
  orderId: uid('ord'),
  commodityCode: 'ecs',
  orderType: 'new_purchase',
  amount: '80.00',
  currency: 'USD',
  at: T0,
  ...over,
});

describe('listCouponOptions', () => {
  test('lists every active coupon the account can use, own and shared, eligible first with its deduction, the rest with every reason', async () => {
    const accountId = await createAccount(t.db);
    const other = await createAccount(t.db);
    const input = order(accountId);
    const cash30 = await grantCoupon(t.db, {
      ownerAccountId: accountId,
      faceValue: '30.00',
      expiresAt: daysAfter(10),
    });
    const cash100 = await grantCoupon(t.db, {
      ownerAccountId: accountId,
      expiresAt: daysAfter(20),
    });
    const belowThreshold = await grantCoupon(t.db, {
      ownerAccountId: accountId,
      kind: 'threshold',
      expiresAt: daysAfter(3),
    });
    const renewalOnly = await grantCoupon(t.db, {
      ownerAccountId: accountId,
      kind: 'discount',
      faceValue: '5.00',
      orderTypes: ['renewal'],
      currency: 'EUR',
      expiresAt: daysAfter(4),
    });
    const frozenElsewhere = await grantCoupon(t.db, {
      ownerAccountId: accountId,
      expiresAt: daysAfter(5),
    });
    await t.ledger.freezeCouponForOrder({
      ...order(accountId),
      couponId: frozenElsewhere,
      operationKey: uid('op'),
    });
    const frozenHere = await grantCoupon(t.db, {
      ownerAccountId: accountId,
      faceValue: '10.00',
      expiresAt: daysAfter(6),
    });
    await t.ledger.freezeCouponForOrder({
      ...input,
      couponId: frozenHere,
      operationKey: uid('op'),
    });
    const shared = await grantCoupon(t.db, {
      ownerAccountId: other,
      faceValue: '50.00',
      expiresAt: daysAfter(2),
    });
    await shareWith(shared, [accountId]);
    // Not options: another account's unshared coupon, an expired one (not swept: it
    // reads expired at once), an invalid one.
    await grantCoupon(t.db, { ownerAccountId: other });
    await grantCoupon(t.db, {
      ownerAccountId: accountId,
      effectiveAt: daysAfter(-20),
      expiresAt: T0,
    });
    const invalid = await grantCoupon(t.db, { ownerAccountId: accountId });
    await t.ledger.invalidateCoupon({
      couponId: invalid,
      reason: 'test',
      at: T0,
      operationKey: uid('op'),
    });
    const before = await ledgerRowCounts(t.db);

    const options = await t.ledger.listCouponOptions(input);

    expect(options.map((o) => [o.couponId, o.eligible, o.deduction])).toEqual([
      [cash100, true, '80.00'],
      [shared, true, '50.00'],
      [cash30, true, '30.00'],
      [frozenHere, true, '10.00'],
      [belowThreshold, false, '0.00'],
      [renewalOnly, false, '0.00'],
      [frozenElsewhere, false, '0.00'],
    ]);
    const byId = new Map(options.map((o) => [o.couponId, o]));
    expect(byId.get(cash100)).toEqual({
      couponId: cash100,
      kind: 'cash',
      balance: '100.00',
      expiresAt: daysAfter(20),
      eligible: true,
      reasons: [],
      deduction: '80.00',
    });
    expect(byId.get(belowThreshold)?.reasons.map((r) => r.code)).toEqual(['below_threshold']);
    expect(byId.get(renewalOnly)?.reasons.map((r) => r.code)).toEqual([
      'order_type_not_covered',
      'currency_mismatch',
    ]);
    expect(byId.get(frozenElsewhere)?.reasons).toEqual([
      expect.objectContaining({ code: 'not_available', detail: 'frozen_for_another_order' }),
    ]);
    expect(await ledgerRowCounts(t.db)).toEqual(before);

    // The owner of the shared coupon sees it too; the other account's own coupon is not ours.
    const theirs = await t.ledger.listCouponOptions(order(other));
    expect(theirs.map((o) => o.couponId)).toContain(shared);
    expect(theirs.map((o) => o.couponId)).not.toContain(cash100);
  });

  test('refuses bad input naming the field, an unknown account and an unknown product, writing nothing', async () => {
    const accountId = await createAccount(t.db);
    const before = await ledgerRowCounts(t.db);
    const bad = await refusalOf(t.ledger.listCouponOptions(order(accountId, { amount: '-1' })));
    expect(bad.type).toBe('invalid_input');
    const fields = detailsOf(bad).fields as { path: string }[];
    expect(fields.length).toBeGreaterThan(0);
    expect(new Set(fields.map((f) => f.path))).toEqual(new Set(['amount']));
    const bill = await refusalOf(
      t.ledger.listCouponOptions({
        ...order(accountId),
        orderType: 'payg_bill',
      } as unknown as OptionsInput),
    );
    expect(bill.type).toBe('invalid_input');
    expect((await refusalOf(t.ledger.listCouponOptions(order('acct-missing')))).type).toBe(
      'account_not_found',
    );
    expect(
      (await refusalOf(t.ledger.listCouponOptions(order(accountId, { commodityCode: 'nope' }))))
        .type,
    ).toBe('product_not_found');
    expect(await ledgerRowCounts(t.db)).toEqual(before);
  });
});

describe('chooseRenewalCoupon (auto-renewal, domain/renewal rule)', () => {
  const renewal = (accountId: string, amount = '40.00') => ({
    accountId,
    orderId: uid('ord'),
    commodityCode: 'ecs',
    amount,
    currency: 'USD' as const,
    at: T0,
  });

  test('picks the largest deduction, then the soonest expiry; shared coupons count; nothing written', async () => {
    const accountId = await createAccount(t.db);
    const owner = await createAccount(t.db);
    // 10 % of 40.00 = 4.00: smaller than any cash coupon's deduction.
    await grantCoupon(t.db, {
      ownerAccountId: accountId,
      kind: 'discount',
      expiresAt: daysAfter(1),
    });
    const later = await grantCoupon(t.db, { ownerAccountId: accountId, expiresAt: daysAfter(9) });
    const sharedSooner = await grantCoupon(t.db, {
      ownerAccountId: owner,
      faceValue: '60.00',
      expiresAt: daysAfter(8),
    });
    await shareWith(sharedSooner, [accountId]);
    // Would deduct the most, but does not serve renewals.
    await grantCoupon(t.db, {
      ownerAccountId: accountId,
      faceValue: '500.00',
      orderTypes: ['new_purchase'],
    });
    const before = await ledgerRowCounts(t.db);

    expect(await t.ledger.chooseRenewalCoupon(renewal(accountId))).toEqual({
      couponId: sharedSooner,
      deduction: '40.00',
      payable: '0.00',
    });
    // A bigger order: the 100.00 coupon deducts more than the 60.00 one.
    expect(await t.ledger.chooseRenewalCoupon(renewal(accountId, '90.00'))).toEqual({
      couponId: later,
      deduction: '90.00',
      payable: '0.00',
    });
    expect(await ledgerRowCounts(t.db)).toEqual(before);
  });

  test('returns null when no coupon can pay the renewal', async () => {
    const accountId = await createAccount(t.db);
    await grantCoupon(t.db, { ownerAccountId: accountId, orderTypes: ['new_purchase'] });
    await grantCoupon(t.db, {
      ownerAccountId: accountId,
      effectiveAt: daysAfter(-9),
      expiresAt: daysAfter(-1),
    });
    expect(await t.ledger.chooseRenewalCoupon(renewal(accountId))).toBeNull();
    const noAccount = await refusalOf(t.ledger.chooseRenewalCoupon(renewal('acct-missing')));
    expect(noAccount.type).toBe('account_not_found');
  });
});
