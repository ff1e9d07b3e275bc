/**
 * Issue 5: reads on the real database (seed 002 §Coupon list) — listCoupons (own
 * and shared, filters: validity window, effective status, coupon number; keyset
 * paging), couponHistory ("view details", owner or shared only), and an order's
 * or bill's coupon deduction amount.
 */
import { useLedgerDatabase } from '../../support/ledger-harness';
import {
  couponSharedWithMember,
  T0,
  createAccount,
  daysAfter,
  detailsOf,
  grantCoupon,
  refusalOf,
  uid,
} from '../../support/ledger-fixtures';

jest.setTimeout(60_000);
const t = useLedgerDatabase();

async function freezeAndPay(accountId: string, couponId: string, amount: string) {
  const orderId = uid('ord');
  const quote = await t.ledger.freezeCouponForOrder({
    accountId,
    couponId,
    orderId,
    commodityCode: 'ecs',
    orderType: 'new_purchase',
    amount,
    currency: 'USD',
    at: T0,
    operationKey: uid('op'),
  });
  await t.ledger.deductCoupon({
    couponId,
    orderId,
    amount: quote.deduction,
    at: T0,
    operationKey: uid('op'),
  });
  return orderId;
}

/** One account holding a coupon in every status, plus one shared with it and one it cannot see. */
async function couponsInEveryStatus() {
  const accountId = await createAccount(t.db);
  const other = await createAccount(t.db);
  const available = await grantCoupon(t.db, {
    ownerAccountId: accountId,
    expiresAt: daysAfter(10),
  });
  const frozen = await grantCoupon(t.db, { ownerAccountId: accountId, expiresAt: daysAfter(11) });
  await t.ledger.freezeCouponForOrder({
    accountId,
    couponId: frozen,
    orderId: uid('ord'),
    commodityCode: 'ecs',
    orderType: 'new_purchase',
    amount: '10.00',
    currency: 'USD',
    at: T0,
    operationKey: uid('op'),
  });
  const used = await grantCoupon(t.db, { ownerAccountId: accountId, expiresAt: daysAfter(12) });
  await freezeAndPay(accountId, used, '500.00');
  // Past expiry but never swept: reads expired at once.
  const lapsed = await grantCoupon(t.db, {
    ownerAccountId: accountId,
    effectiveAt: daysAfter(-20),
    expiresAt: daysAfter(-2),
  });
  const invalid = await grantCoupon(t.db, { ownerAccountId: accountId, expiresAt: daysAfter(13) });
  await t.ledger.invalidateCoupon({
    couponId: invalid,
    reason: 'test',
    at: T0,
    operationKey: uid('op'),
  });
  const shared = await grantCoupon(t.db, { ownerAccountId: other, expiresAt: daysAfter(14) });
  await t.ledger.shareCoupon({
    couponId: shared,
    ownerAccountId: other,
    scope: 'accounts',
    accountIds: [accountId],
    at: T0,
    operationKey: uid('op'),
  });
  const hidden = await grantCoupon(t.db, { ownerAccountId: other });
  return { accountId, other, available, frozen, used, lapsed, invalid, shared, hidden };
}

describe('listCoupons', () => {
  test('lists own and shared coupons, soonest expiry first, each with its effective status', async () => {
    const c = await couponsInEveryStatus();
    const page = await t.ledger.listCoupons({ accountId: c.accountId, at: T0 });
    expect(page.nextCursor).toBeNull();
    expect(page.items.map((i) => [i.couponId, i.status, i.shared])).toEqual([
      [c.lapsed, 'expired', false],
      [c.available, 'available', false],
      [c.frozen, 'frozen', false],
      [c.used, 'used', false],
      [c.invalid, 'invalid', false],
      [c.shared, 'available', true],
    ]);
    const row = await t.db.coupon.findUniqueOrThrow({ where: { id: c.available } });
    expect(page.items[1]).toEqual({
      couponId: c.available,
      couponNumber: row.couponNumber,
      ownerAccountId: c.accountId,
      shared: false,
      kind: 'cash',
      currency: 'USD',
      faceValue: '100.00',
      balance: '100.00',
      threshold: null,
      discountPercent: null,
      effectiveAt: daysAfter(-30),
      expiresAt: daysAfter(10),
      scope: { type: 'general' },
      allProducts: false,
      channel: 'official',
      orderTypes: expect.arrayContaining(['new_purchase', 'payg_bill']),
      consumptionType: 'any',
      combinable: true,
      status: 'available',
      frozenForOrderId: null,
    });
    // Read later, the available coupon has expired too (no sweep needed).
    const later = await t.ledger.listCoupons({ accountId: c.accountId, at: daysAfter(10) });
    expect(later.items.find((i) => i.couponId === c.available)?.status).toBe('expired');
  });

  test.each([
    ['available', ['available', 'shared']],
    ['frozen', ['frozen']],
    ['used', ['used']],
    ['expired', ['lapsed']],
    ['invalid', ['invalid']],
  ] as const)('filters by effective status: %s', async (status, names) => {
    const c = await couponsInEveryStatus();
    const page = await t.ledger.listCoupons({ accountId: c.accountId, at: T0, status });
    expect(page.items.map((i) => i.couponId)).toEqual(names.map((n) => c[n]));
  });

  test('a swept coupon and one merely past expiry both filter as expired', async () => {
    const c = await couponsInEveryStatus();
    // Sweep at T0 (the lapsed one), then list at a later instant where `available` has lapsed too.
    await t.ledger.expireCoupons({ at: T0, operationKey: uid('op') });
    const page = await t.ledger.listCoupons({
      accountId: c.accountId,
      at: daysAfter(10),
      status: 'expired',
    });
    expect(page.items.map((i) => i.couponId)).toEqual([c.lapsed, c.available]);
  });

  test('filters by validity window overlap and by exact coupon number', async () => {
    const c = await couponsInEveryStatus();
    // [T0+10.5d, T0+12.5d) overlaps the coupons expiring at +11, +12, +13, +14 (valid from -30).
    const window = await t.ledger.listCoupons({
      accountId: c.accountId,
      at: T0,
      validFrom: daysAfter(10.5),
      validTo: daysAfter(12.5),
    });
    expect(window.items.map((i) => i.couponId)).toEqual([c.frozen, c.used, c.invalid, c.shared]);
    // Only coupons effective before T0 − 25 days: all but the lapsed one (effective from −20).
    const before = await t.ledger.listCoupons({
      accountId: c.accountId,
      at: T0,
      validTo: daysAfter(-25),
    });
    expect(before.items.map((i) => i.couponId)).toEqual([
      c.available,
      c.frozen,
      c.used,
      c.invalid,
      c.shared,
    ]);

    const { couponNumber } = await t.db.coupon.findUniqueOrThrow({ where: { id: c.shared } });
    const byNumber = await t.ledger.listCoupons({ accountId: c.accountId, couponNumber });
    expect(byNumber.items.map((i) => i.couponId)).toEqual([c.shared]);
    const hidden = await t.db.coupon.findUniqueOrThrow({ where: { id: c.hidden } });
    expect(
      (await t.ledger.listCoupons({ accountId: c.accountId, couponNumber: hidden.couponNumber }))
        .items,
    ).toEqual([]);
  });

  test('pages with a cursor: every coupon once, in order; the cursor keeps the listing instant', async () => {
    const accountId = await createAccount(t.db);
    const ids = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await grantCoupon(t.db, { ownerAccountId: accountId, expiresAt: daysAfter(5) }));
    }
    ids.push(await grantCoupon(t.db, { ownerAccountId: accountId, expiresAt: daysAfter(1) }));
    const seen: string[] = [];
    let cursor: string | undefined;
    const sizes: number[] = [];
    do {
      const page = await t.ledger.listCoupons({
        accountId,
        at: T0,
        limit: 4,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.items.map((i) => i.couponId));
      sizes.push(page.items.length);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(sizes).toEqual([4, 2]);
    expect(seen).toEqual([ids[5], ...ids.slice(0, 5).sort()]);

    const first = await t.ledger.listCoupons({ accountId, at: T0, limit: 1 });
    const next = first.nextCursor ?? '';
    // Without `at`, later pages use the cursor's instant.
    expect((await t.ledger.listCoupons({ accountId, cursor: next, limit: 1 })).items).toHaveLength(
      1,
    );
    const otherInstant = await refusalOf(
      t.ledger.listCoupons({ accountId, cursor: next, at: daysAfter(1) }),
    );
    expect(otherInstant.type).toBe('invalid_input');
    expect(detailsOf(otherInstant).fields).toEqual([expect.objectContaining({ path: 'cursor' })]);
    expect((await refusalOf(t.ledger.listCoupons({ accountId, cursor: 'garbage' }))).type).toBe(
      'invalid_input',
    );
  });

  test('refuses a limit outside 1..100, an inverted window and an unknown account', async () => {
    const accountId = await createAccount(t.db);
    for (const limit of [0, 101]) {
      const refused = await refusalOf(t.ledger.listCoupons({ accountId, limit }));
      expect(refused.type).toBe('invalid_input');
      expect(detailsOf(refused).fields).toEqual([expect.objectContaining({ path: 'limit' })]);
    }
    const inverted = await refusalOf(
      t.ledger.listCoupons({ accountId, validFrom: daysAfter(2), validTo: daysAfter(1) }),
    );
    expect(inverted.type).toBe('invalid_input');
    expect((await refusalOf(t.ledger.listCoupons({ accountId: 'acct-missing' }))).type).toBe(
      'account_not_found',
    );
  });
});

describe('couponHistory ("view details")', () => {
  test('the owner and the account it is shared with see the coupon and every movement; nobody else', async () => {
    const stranger = await createAccount(t.db);
    const { owner, member, couponId, shareId } = await couponSharedWithMember(t.db, t.ledger);
    const orderId = await freezeAndPay(member, couponId, '30.00');

    const history = await t.ledger.couponHistory({ couponId, accountId: owner, at: T0 });
    expect(history.coupon).toMatchObject({ couponId, balance: '70.00', shared: false });
    expect(history.movements).toEqual([
      expect.objectContaining({ kind: 'redeem', balanceDelta: '100.00', balanceAfter: '100.00' }),
      expect.objectContaining({ kind: 'freeze', balanceDelta: '0.00', orderId }),
      expect.objectContaining({
        kind: 'deduct',
        balanceDelta: '-30.00',
        balanceAfter: '70.00',
        statusAfter: 'available',
        orderId,
        billId: null,
        couponId,
      }),
    ]);
    expect(history.movements[2]?.at).toMatch(/Z$/);
    const seenByMember = await t.ledger.couponHistory({ couponId, accountId: member, at: T0 });
    expect(seenByMember.coupon.shared).toBe(true);
    expect(seenByMember.movements).toEqual(history.movements);

    const refused = await refusalOf(t.ledger.couponHistory({ couponId, accountId: stranger }));
    expect(refused.type).toBe('coupon_not_found');
    await t.ledger.cancelShare({
      shareId,
      ownerAccountId: owner,
      at: T0,
      operationKey: uid('op'),
    });
    expect((await refusalOf(t.ledger.couponHistory({ couponId, accountId: member }))).type).toBe(
      'coupon_not_found',
    );
  });
});

describe('couponDeduction', () => {
  test("an order's deduction, net of what came back", async () => {
    const accountId = await createAccount(t.db);
    const couponId = await grantCoupon(t.db, { ownerAccountId: accountId });
    const orderId = await freezeAndPay(accountId, couponId, '40.00');
    await t.ledger.returnCoupon({
      couponId,
      orderId,
      commodityCode: 'ecs',
      event: { type: 'resource_unsubscribed', unusedFraction: '0.25' },
      at: T0,
      operationKey: uid('op'),
    });
    expect(await t.ledger.couponDeduction({ orderId })).toEqual({
      orderId,
      billId: null,
      currency: 'USD',
      deducted: '40.00',
      returned: '10.00',
      net: '30.00',
      coupons: [{ couponId, deducted: '40.00', returned: '10.00' }],
    });
  });

  test('a single-use coupon shows what it took off, not its face value', async () => {
    const accountId = await createAccount(t.db);
    const couponId = await grantCoupon(t.db, { ownerAccountId: accountId, kind: 'discount' });
    const orderId = await freezeAndPay(accountId, couponId, '80.00');
    expect(await t.ledger.couponDeduction({ orderId })).toMatchObject({
      deducted: '8.00',
      net: '8.00',
    });
  });

  test("a bill's deduction across the coupons it drew; untouched targets read zero", async () => {
    const accountId = await createAccount(t.db);
    const a = await grantCoupon(t.db, {
      ownerAccountId: accountId,
      faceValue: '5.00',
      expiresAt: daysAfter(1),
    });
    const b = await grantCoupon(t.db, { ownerAccountId: accountId, expiresAt: daysAfter(2) });
    const billId = uid('bill');
    await t.ledger.drawDownBill({
      billId,
      accountId,
      commodityCode: 'ecs',
      amount: '12.00',
      currency: 'USD',
      overdue: false,
      at: T0,
      operationKey: uid('op'),
    });
    const view = await t.ledger.couponDeduction({ billId });
    expect(view).toMatchObject({ billId, orderId: null, deducted: '12.00', net: '12.00' });
    expect(view.coupons).toEqual(
      [
        { couponId: a, deducted: '5.00', returned: '0.00' },
        { couponId: b, deducted: '7.00', returned: '0.00' },
      ].sort((x, y) => (x.couponId < y.couponId ? -1 : 1)),
    );
    expect(await t.ledger.couponDeduction({ orderId: 'ord-untouched' })).toEqual({
      orderId: 'ord-untouched',
      billId: null,
      currency: null,
      deducted: '0',
      returned: '0',
      net: '0',
      coupons: [],
    });
    expect((await refusalOf(t.ledger.couponDeduction({ orderId: 'o', billId: 'b' }))).type).toBe(
      'invalid_input',
    );
  });
});
