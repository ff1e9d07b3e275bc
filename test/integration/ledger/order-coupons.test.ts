/**
 * Issue 5: one coupon on one order (seed 002 §Paying an order) on the real
 * database — freezeCouponForOrder, releaseCoupon, deductCoupon: movements and
 * balances, refusals that write nothing, idempotent retries, reused keys.
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
  freezeInput,
  uid,
} from '../../support/ledger-fixtures';
import { couponState, movementsAfterGrant } from '../../support/ledger-reads';

jest.setTimeout(60_000);
const t = useLedgerDatabase();

type FreezeInput = Parameters<LedgerActivities['freezeCouponForOrder']>[0];

async function frozenCoupon(over: Partial<FreezeInput> = {}, coupon = {}) {
  const accountId = await createAccount(t.db);
  const couponId = await grantCoupon(t.db, { ownerAccountId: accountId, ...coupon });
  const input = freezeInput(accountId, couponId, over);
  const quote = await t.ledger.freezeCouponForOrder(input);
  return { accountId, couponId, orderId: input.orderId, quote, input };
}

describe('freezeCouponForOrder', () => {
  test('freezes the coupon for the order without moving its balance, and quotes the deduction', async () => {
    const { couponId, orderId, quote } = await frozenCoupon({ amount: '130.00' });
    expect(quote).toEqual({ couponId, orderId, deduction: '100.00', payable: '30.00' });
    expect(await couponState(t.db, couponId)).toEqual({
      balance: '100',
      status: 'frozen',
      frozenForOrderId: orderId,
    });
    expect(await movementsAfterGrant(t.db, couponId)).toEqual([
      { kind: 'freeze', delta: '0', after: '100', status: 'frozen', orderId, billId: null },
    ]);
  });

  test('a retry with the same key returns the first quote and writes nothing; other arguments are refused', async () => {
    const { couponId, quote, input } = await frozenCoupon();
    const before = await ledgerRowCounts(t.db);
    // The instant is not part of the request: a retry later still replays.
    expect(await t.ledger.freezeCouponForOrder({ ...input, at: daysAfter(1) })).toEqual(quote);
    const reused = await refusalOf(t.ledger.freezeCouponForOrder({ ...input, amount: '31.00' }));
    expect(reused.type).toBe('operation_key_reused');
    expect(await ledgerRowCounts(t.db)).toEqual(before);
    // Asked again for the same order under another key: the same quote, no second movement.
    expect(await t.ledger.freezeCouponForOrder({ ...input, operationKey: uid('op') })).toEqual(
      quote,
    );
    expect((await movementsAfterGrant(t.db, couponId)).map((m) => m.kind)).toEqual(['freeze']);
  });

  test('refusals write nothing: unknown coupon, unknown product, ineligible coupon, another order holds it, one coupon per order', async () => {
    const { accountId, couponId, orderId } = await frozenCoupon();
    const second = await grantCoupon(t.db, { ownerAccountId: accountId });
    const expired = await grantCoupon(t.db, {
      ownerAccountId: accountId,
      effectiveAt: daysAfter(-10),
      expiresAt: daysAfter(-1),
    });
    const stranger = await createAccount(t.db);
    const before = await ledgerRowCounts(t.db);

    const refused = async (input: FreezeInput) => refusalOf(t.ledger.freezeCouponForOrder(input));

    expect((await refused(freezeInput(accountId, 'cpn-missing'))).type).toBe('coupon_not_found');
    expect((await refused(freezeInput(accountId, second, { commodityCode: 'nope' }))).type).toBe(
      'product_not_found',
    );
    const notEligible = await refused(freezeInput(accountId, expired, { commodityCode: 'domain' }));
    expect(notEligible.type).toBe('coupon_not_eligible');
    expect((detailsOf(notEligible).reasons as { code: string }[]).map((r) => r.code)).toEqual([
      'expired',
      'product_not_covered',
    ]);
    const notShared = await refused(freezeInput(stranger, second));
    expect(notShared.type).toBe('coupon_not_eligible');
    expect(detailsOf(notShared).reasons).toEqual([
      expect.objectContaining({ code: 'not_shared_with_account' }),
    ]);
    const held = await refused(freezeInput(accountId, couponId));
    expect(held.type).toBe('coupon_not_eligible');
    expect(detailsOf(held).reasons).toEqual([
      expect.objectContaining({ code: 'not_available', detail: 'frozen_for_another_order' }),
    ]);
    expect((await refused(freezeInput(accountId, second, { orderId }))).type).toBe(
      'order_already_has_coupon',
    );
    const bad = await refused(freezeInput(accountId, second, { currency: 'XXX' as 'USD' }));
    expect(bad.type).toBe('invalid_input');
    expect(bad.message).toMatch(/currency/);
    expect(await ledgerRowCounts(t.db)).toEqual(before);
    expect(await couponState(t.db, second)).toMatchObject({ status: 'available' });
  });
});

test('the order changed before payment: freezing it again re-quotes, and the latest quote is what deducts', async () => {
  const { couponId, orderId, input } = await frozenCoupon({ amount: '30.00' });
  const requote = await t.ledger.freezeCouponForOrder({
    ...input,
    amount: '45.00',
    operationKey: uid('op'),
  });
  expect(requote).toMatchObject({ deduction: '45.00', payable: '0.00' });
  expect((await movementsAfterGrant(t.db, couponId)).map((m) => m.kind)).toEqual([
    'freeze',
    'freeze',
  ]);
  expect(
    await t.ledger.deductCoupon({
      couponId,
      orderId,
      amount: '45.00',
      at: T0,
      operationKey: uid('op'),
    }),
  ).toMatchObject({ deducted: '45.00', balanceAfter: '55.00' });
});

describe('releaseCoupon', () => {
  test('an unpaid order cancelled: the coupon is available again, balance untouched; retry replays', async () => {
    const { couponId, orderId } = await frozenCoupon();
    const input = { couponId, orderId, at: T0, operationKey: uid('op') };
    const released = await t.ledger.releaseCoupon(input);
    expect(released).toEqual({ couponId, orderId, statusAfter: 'available', balance: '100.00' });
    expect(await couponState(t.db, couponId)).toEqual({
      balance: '100',
      status: 'available',
      frozenForOrderId: null,
    });
    expect((await movementsAfterGrant(t.db, couponId)).at(-1)).toEqual({
      kind: 'release',
      delta: '0',
      after: '100',
      status: 'available',
      orderId,
      billId: null,
    });
    const before = await ledgerRowCounts(t.db);
    expect(await t.ledger.releaseCoupon(input)).toEqual(released);
    expect((await refusalOf(t.ledger.releaseCoupon({ ...input, orderId: 'ord-other' }))).type).toBe(
      'operation_key_reused',
    );
    // Another key: it is no longer frozen for the order.
    expect(
      (await refusalOf(t.ledger.releaseCoupon({ ...input, operationKey: uid('op') }))).type,
    ).toBe('coupon_not_frozen_for_order');
    expect(await ledgerRowCounts(t.db)).toEqual(before);
  });

  test('released after its expiry, the coupon reads expired', async () => {
    const { couponId, orderId } = await frozenCoupon({}, { expiresAt: daysAfter(1) });
    const released = await t.ledger.releaseCoupon({
      couponId,
      orderId,
      at: daysAfter(2),
      operationKey: uid('op'),
    });
    expect(released.statusAfter).toBe('expired');
    expect(await couponState(t.db, couponId)).toMatchObject({ status: 'expired' });
  });

  test('refuses a coupon not frozen for that order, and an unknown coupon, writing nothing', async () => {
    const { couponId } = await frozenCoupon();
    const before = await ledgerRowCounts(t.db);
    const other = await refusalOf(
      t.ledger.releaseCoupon({ couponId, orderId: 'ord-other', at: T0, operationKey: uid('op') }),
    );
    expect(other.type).toBe('coupon_not_frozen_for_order');
    expect(
      (
        await refusalOf(
          t.ledger.releaseCoupon({
            couponId: 'cpn-missing',
            orderId: 'ord-1',
            at: T0,
            operationKey: uid('op'),
          }),
        )
      ).type,
    ).toBe('coupon_not_found');
    expect(await ledgerRowCounts(t.db)).toEqual(before);
  });
});

describe('deductCoupon', () => {
  test('cash: books the quoted deduction at payment and keeps the rest available; retry replays', async () => {
    const { couponId, orderId, quote } = await frozenCoupon();
    const input = { couponId, orderId, amount: quote.deduction, at: T0, operationKey: uid('op') };
    const deducted = await t.ledger.deductCoupon(input);
    expect(deducted).toEqual({
      couponId,
      orderId,
      deducted: '30.00',
      balanceAfter: '70.00',
      statusAfter: 'available',
    });
    expect(await couponState(t.db, couponId)).toEqual({
      balance: '70',
      status: 'available',
      frozenForOrderId: null,
    });
    expect((await movementsAfterGrant(t.db, couponId)).at(-1)).toEqual({
      kind: 'deduct',
      delta: '-30',
      after: '70',
      status: 'available',
      orderId,
      billId: null,
    });
    const accountId = (await t.db.coupon.findUniqueOrThrow({ where: { id: couponId } }))
      .ownerAccountId;
    const another = await grantCoupon(t.db, { ownerAccountId: accountId });
    const before = await ledgerRowCounts(t.db);
    expect(await t.ledger.deductCoupon(input)).toEqual(deducted);
    expect((await refusalOf(t.ledger.deductCoupon({ ...input, amount: '31.00' }))).type).toBe(
      'operation_key_reused',
    );
    // Paid: neither a second deduction nor another coupon for that order.
    expect(
      (await refusalOf(t.ledger.deductCoupon({ ...input, operationKey: uid('op') }))).type,
    ).toBe('coupon_not_frozen_for_order');
    expect(
      (await refusalOf(t.ledger.freezeCouponForOrder(freezeInput(accountId, another, { orderId }))))
        .type,
    ).toBe('order_already_has_coupon');
    expect(await ledgerRowCounts(t.db)).toEqual(before);
  });

  test('cash spent to the last cent reads used', async () => {
    const { couponId, orderId } = await frozenCoupon({ amount: '250.00' });
    const result = await t.ledger.deductCoupon({
      couponId,
      orderId,
      amount: '100.00',
      at: T0,
      operationKey: uid('op'),
    });
    expect(result).toMatchObject({ balanceAfter: '0.00', statusAfter: 'used' });
    expect(await couponState(t.db, couponId)).toMatchObject({ balance: '0', status: 'used' });
  });

  test('threshold and discount coupons are single-use: spent whole whatever they took off', async () => {
    const threshold = await frozenCoupon({ amount: '120.00' }, { kind: 'threshold' });
    expect(threshold.quote).toMatchObject({ deduction: '20.00', payable: '100.00' });
    const discount = await frozenCoupon({ amount: '80.00' }, { kind: 'discount' });
    expect(discount.quote).toMatchObject({ deduction: '8.00', payable: '72.00' });
    for (const { couponId, orderId, quote } of [threshold, discount]) {
      const result = await t.ledger.deductCoupon({
        couponId,
        orderId,
        amount: quote.deduction,
        at: T0,
        operationKey: uid('op'),
      });
      expect(result).toMatchObject({
        deducted: quote.deduction,
        balanceAfter: '0.00',
        statusAfter: 'used',
      });
    }
    expect((await movementsAfterGrant(t.db, discount.couponId)).at(-1)).toMatchObject({
      kind: 'deduct',
      delta: '-100',
      after: '0',
      status: 'used',
    });
  });

  test('refusals write nothing: another order, more than the balance, expired while frozen', async () => {
    const { couponId, orderId } = await frozenCoupon({}, { expiresAt: daysAfter(1) });
    const before = await ledgerRowCounts(t.db);
    const deduct = (over: object) =>
      refusalOf(
        t.ledger.deductCoupon({
          couponId,
          orderId,
          amount: '30.00',
          at: T0,
          operationKey: uid('op'),
          ...over,
        }),
      );
    expect((await deduct({ orderId: 'ord-other' })).type).toBe('coupon_not_frozen_for_order');
    const tooMuch = await deduct({ amount: '100.01' });
    expect(tooMuch.type).toBe('insufficient_coupon_balance');
    expect(detailsOf(tooMuch)).toMatchObject({ balance: '100.00' });
    const overQuote = await deduct({ amount: '30.01' });
    expect(overQuote.type).toBe('deduction_exceeds_quote');
    expect(detailsOf(overQuote)).toMatchObject({ quoted: '30.00' });
    const expired = await deduct({ at: daysAfter(1) });
    expect(expired.type).toBe('coupon_not_eligible');
    expect(detailsOf(expired).reasons).toEqual([expect.objectContaining({ code: 'expired' })]);
    expect((await deduct({ couponId: 'cpn-missing' })).type).toBe('coupon_not_found');
    expect(await ledgerRowCounts(t.db)).toEqual(before);
    expect(await couponState(t.db, couponId)).toMatchObject({ status: 'frozen', balance: '100' });
  });
});
