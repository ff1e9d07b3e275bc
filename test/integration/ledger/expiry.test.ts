/**
 * Issue 5: ending coupons on the real database — expireCoupons (the sweep's
 * batch: an 'expire' movement keeping the balance, batches, busy coupons left
 * for the next sweep) and invalidateCoupon; a coupon frozen when it ended is let
 * go by its order's release. Sweeps here run at T0 or before, so coupons of other
 * tests in this file (valid until T0 + 30 days by default) are never due.
 */
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
import { couponState, movementsAfterGrant } from '../../support/ledger-reads';

jest.setTimeout(60_000);
const t = useLedgerDatabase();

const expiring = (ownerAccountId: string, expiresAt = daysAfter(-1)) =>
  grantCoupon(t.db, { ownerAccountId, effectiveAt: daysAfter(-40), expiresAt });

async function freeze(accountId: string, couponId: string, at = daysAfter(-2)): Promise<string> {
  const orderId = uid('ord');
  await t.ledger.freezeCouponForOrder({
    accountId,
    couponId,
    orderId,
    commodityCode: 'ecs',
    orderType: 'new_purchase',
    amount: '10.00',
    currency: 'USD',
    at,
    operationKey: uid('op'),
  });
  return orderId;
}

describe('expireCoupons', () => {
  test('records the expiry of available and frozen coupons past expiry, keeping their balance; the rest are left alone', async () => {
    const accountId = await createAccount(t.db);
    const available = await expiring(accountId);
    const frozen = await expiring(accountId);
    const orderId = await freeze(accountId, frozen);
    const atExpiry = await expiring(accountId, T0); // expired AT its expiry instant
    const valid = await expiring(accountId, daysAfter(1));
    const invalid = await expiring(accountId);
    await t.ledger.invalidateCoupon({
      couponId: invalid,
      reason: 'withdrawn',
      at: daysAfter(-3),
      operationKey: uid('op'),
    });

    const input = { at: T0, operationKey: uid('op') };
    const result = await t.ledger.expireCoupons(input);
    expect([...result.expiredCouponIds].sort()).toEqual([available, frozen, atExpiry].sort());
    expect(result.more).toBe(false);
    expect(await couponState(t.db, available)).toEqual({
      balance: '100',
      status: 'expired',
      frozenForOrderId: null,
    });
    expect(await movementsAfterGrant(t.db, available)).toEqual([
      { kind: 'expire', delta: '0', after: '100', status: 'expired', orderId: null, billId: null },
    ]);
    // The frozen coupon's expiry names the order that held it.
    expect((await movementsAfterGrant(t.db, frozen)).at(-1)).toMatchObject({
      kind: 'expire',
      orderId,
    });
    expect(await movementsAfterGrant(t.db, valid)).toEqual([]);
    expect((await movementsAfterGrant(t.db, invalid)).map((m) => m.kind)).toEqual(['invalidate']);

    const before = await ledgerRowCounts(t.db);
    expect(await t.ledger.expireCoupons(input)).toEqual(result);
    expect((await refusalOf(t.ledger.expireCoupons({ ...input, batchSize: 7 }))).type).toBe(
      'operation_key_reused',
    );
    // A second sweep finds nothing more to do.
    expect(await t.ledger.expireCoupons({ at: T0, operationKey: uid('op') })).toEqual({
      expiredCouponIds: [],
      more: false,
    });
    expect(await ledgerRowCounts(t.db)).toEqual({ ...before, operations: before.operations + 1 });

    // The order that held the expired coupon lets go of it; paying with it is refused.
    const deduct = await refusalOf(
      t.ledger.deductCoupon({
        couponId: frozen,
        orderId,
        amount: '10.00',
        at: T0,
        operationKey: uid('op'),
      }),
    );
    expect(deduct.type).toBe('coupon_not_frozen_for_order');
    const released = await t.ledger.releaseCoupon({
      couponId: frozen,
      orderId,
      at: T0,
      operationKey: uid('op'),
    });
    expect(released).toMatchObject({ statusAfter: 'expired', balance: '100.00' });
    expect((await movementsAfterGrant(t.db, frozen)).map((m) => m.kind)).toEqual([
      'freeze',
      'expire',
      'release',
    ]);
  });

  test('works in batches: `more` until the due coupons are done', async () => {
    const accountId = await createAccount(t.db);
    const due = [];
    for (let i = 0; i < 5; i++) due.push(await expiring(accountId, daysAfter(-2)));
    const at = daysAfter(-1);
    const batches = [];
    for (let n = 1; n <= 4; n++) {
      const batch = await t.ledger.expireCoupons({ at, batchSize: 2, operationKey: uid('op') });
      batches.push(batch);
      if (!batch.more) break;
    }
    expect(batches.map((b) => [b.expiredCouponIds.length, b.more])).toEqual([
      [2, true],
      [2, true],
      [1, false],
    ]);
    expect(batches.flatMap((b) => b.expiredCouponIds).sort()).toEqual([...due].sort());
  });

  test('a coupon another operation holds is skipped, and the next sweep takes it', async () => {
    const accountId = await createAccount(t.db);
    const busy = await expiring(accountId, daysAfter(-3));
    const free = await expiring(accountId, daysAfter(-3));
    const at = daysAfter(-2);
    let firstSweep: { expiredCouponIds: string[] } | undefined;
    await t.db.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT "id" FROM "Coupon" WHERE "id" = ${busy} FOR UPDATE`;
        firstSweep = await t.ledger.expireCoupons({ at, operationKey: uid('op') });
      },
      { timeout: 20_000 },
    );
    expect(firstSweep?.expiredCouponIds).toEqual([free]);
    expect(await couponState(t.db, busy)).toMatchObject({ status: 'available' });
    const next = await t.ledger.expireCoupons({ at, operationKey: uid('op') });
    expect(next.expiredCouponIds).toEqual([busy]);
  });
});

describe('invalidateCoupon', () => {
  test('withdraws a coupon: an invalidate movement keeping the balance; retry replays; a second invalidation is refused', async () => {
    const accountId = await createAccount(t.db);
    const couponId = await grantCoupon(t.db, { ownerAccountId: accountId });
    const input = { couponId, reason: 'fraud review', at: T0, operationKey: uid('op') };
    const result = await t.ledger.invalidateCoupon(input);
    expect(result).toEqual({ couponId, status: 'invalid', balance: '100.00' });
    expect(await movementsAfterGrant(t.db, couponId)).toEqual([
      {
        kind: 'invalidate',
        delta: '0',
        after: '100',
        status: 'invalid',
        orderId: null,
        billId: null,
      },
    ]);
    const before = await ledgerRowCounts(t.db);
    expect(await t.ledger.invalidateCoupon({ ...input, at: daysAfter(1) })).toEqual(result);
    expect((await refusalOf(t.ledger.invalidateCoupon({ ...input, reason: 'other' }))).type).toBe(
      'operation_key_reused',
    );
    expect(
      (await refusalOf(t.ledger.invalidateCoupon({ ...input, operationKey: uid('op') }))).type,
    ).toBe('coupon_already_invalid');
    expect(
      (
        await refusalOf(
          t.ledger.invalidateCoupon({ ...input, couponId: 'cpn-missing', operationKey: uid('op') }),
        )
      ).type,
    ).toBe('coupon_not_found');
    // An invalid coupon pays nothing.
    const freezeRefused = await refusalOf(
      t.ledger.freezeCouponForOrder({
        accountId,
        couponId,
        orderId: uid('ord'),
        commodityCode: 'ecs',
        orderType: 'new_purchase',
        amount: '10.00',
        currency: 'USD',
        at: T0,
        operationKey: uid('op'),
      }),
    );
    expect(freezeRefused.type).toBe('coupon_not_eligible');
    expect(detailsOf(freezeRefused).reasons).toEqual([
      expect.objectContaining({ code: 'not_available', detail: 'invalid' }),
    ]);
    expect(await ledgerRowCounts(t.db)).toEqual(before);
  });

  test('a frozen coupon invalidated: the movement names the order, whose release then lets go of it', async () => {
    const accountId = await createAccount(t.db);
    const couponId = await grantCoupon(t.db, { ownerAccountId: accountId });
    const orderId = await freeze(accountId, couponId, T0);
    await t.ledger.invalidateCoupon({
      couponId,
      reason: 'campaign withdrawn',
      at: T0,
      operationKey: uid('op'),
    });
    expect(await couponState(t.db, couponId)).toEqual({
      balance: '100',
      status: 'invalid',
      frozenForOrderId: null,
    });
    expect(
      await t.ledger.releaseCoupon({ couponId, orderId, at: T0, operationKey: uid('op') }),
    ).toMatchObject({ statusAfter: 'invalid' });
    expect((await movementsAfterGrant(t.db, couponId)).map((m) => [m.kind, m.orderId])).toEqual([
      ['freeze', orderId],
      ['invalidate', orderId],
      ['release', orderId],
    ]);
  });
});
