/**
 * Issue 5: pay-as-you-go bills on the real database (seed 002 §Pay-as-you-go
 * bills): drawDownBill's order (soonest expiry, then larger balance), chaining,
 * remainder, overdue bills and outstanding arrears, idempotency, and a bill
 * covered once.
 */
import type { LedgerActivities } from '../../../activities/ledger/activities';
import { useLedgerDatabase } from '../../support/ledger-harness';
import {
  T0,
  createAccount,
  createBill,
  daysAfter,
  grantCoupon,
  ledgerRowCounts,
  refusalOf,
  uid,
} from '../../support/ledger-fixtures';
import { couponState, movementsAfterGrant } from '../../support/ledger-reads';

jest.setTimeout(60_000);
const t = useLedgerDatabase();

type DrawInput = Parameters<LedgerActivities['drawDownBill']>[0];
const bill = (accountId: string, over: Partial<DrawInput> = {}): DrawInput => ({
  billId: uid('bill'),
  accountId,
  commodityCode: 'ecs',
  amount: '75.00',
  currency: 'USD',
  overdue: false,
  at: T0,
  operationKey: uid('op'),
  ...over,
});

describe('drawDownBill', () => {
  test('draws cash coupons soonest expiry first, then larger balance, chaining until the bill is paid', async () => {
    const accountId = await createAccount(t.db);
    const owner = await createAccount(t.db);
    const small = await grantCoupon(t.db, {
      ownerAccountId: accountId,
      faceValue: '30.00',
      expiresAt: daysAfter(5),
    });
    const large = await grantCoupon(t.db, {
      ownerAccountId: accountId,
      faceValue: '50.00',
      expiresAt: daysAfter(5),
    });
    const soonest = await grantCoupon(t.db, {
      ownerAccountId: accountId,
      faceValue: '20.00',
      expiresAt: daysAfter(2),
    });
    const shared = await grantCoupon(t.db, {
      ownerAccountId: owner,
      faceValue: '10.00',
      expiresAt: daysAfter(1),
    });
    await t.db.couponShare.create({
      data: { id: uid('shr'), couponId: shared, scope: 'accounts', accountIds: [accountId] },
    });
    // Never drawn: a threshold coupon (single-use order offer), a subscription-only one,
    // and one frozen for an unpaid order.
    const threshold = await grantCoupon(t.db, {
      ownerAccountId: accountId,
      kind: 'threshold',
      expiresAt: daysAfter(1),
    });
    const subscription = await grantCoupon(t.db, {
      ownerAccountId: accountId,
      consumptionType: 'subscription',
      expiresAt: daysAfter(1),
    });
    const frozen = await grantCoupon(t.db, { ownerAccountId: accountId, expiresAt: daysAfter(1) });
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
    const billId = await createBill(t.db, { accountId, amount: '75.00' });

    const result = await t.ledger.drawDownBill(bill(accountId, { billId }));
    expect(result).toEqual({
      billId,
      draws: [
        { couponId: shared, amount: '10.00', balanceAfter: '0.00' },
        { couponId: soonest, amount: '20.00', balanceAfter: '0.00' },
        { couponId: large, amount: '45.00', balanceAfter: '5.00' },
      ],
      couponDeduction: '75.00',
      remainder: '0.00',
      blockedBy: null,
    });
    expect(await couponState(t.db, shared)).toMatchObject({ balance: '0', status: 'used' });
    expect(await couponState(t.db, large)).toMatchObject({ balance: '5', status: 'available' });
    expect(await movementsAfterGrant(t.db, large)).toEqual([
      { kind: 'deduct', delta: '-45', after: '5', status: 'available', orderId: null, billId },
    ]);
    for (const untouched of [small, threshold, subscription]) {
      expect(await movementsAfterGrant(t.db, untouched)).toEqual([]);
    }
    expect((await movementsAfterGrant(t.db, frozen)).map((m) => m.kind)).toEqual(['freeze']);
    const row = await t.db.bill.findUniqueOrThrow({ where: { id: billId } });
    expect(row.couponDeduction.toString()).toBe('75');
  });

  test('what the coupons cannot cover is the remainder, paid separately', async () => {
    const accountId = await createAccount(t.db);
    await grantCoupon(t.db, { ownerAccountId: accountId, faceValue: '12.34' });
    const result = await t.ledger.drawDownBill(bill(accountId, { amount: '20.00' }));
    expect(result).toMatchObject({ couponDeduction: '12.34', remainder: '7.66', blockedBy: null });
  });

  test('an overdue bill, or any outstanding arrears, refuses coupons; once arrears are cleared they pay again', async () => {
    const accountId = await createAccount(t.db, { arrears: '15.00' });
    const couponId = await grantCoupon(t.db, { ownerAccountId: accountId });
    const before = await ledgerRowCounts(t.db);

    const overdue = await t.ledger.drawDownBill(bill(accountId, { overdue: true }));
    expect(overdue).toMatchObject({
      draws: [],
      couponDeduction: '0.00',
      remainder: '75.00',
      blockedBy: 'overdue_bill',
    });
    const blocked = await t.ledger.drawDownBill(bill(accountId));
    expect(blocked).toMatchObject({
      draws: [],
      remainder: '75.00',
      blockedBy: 'outstanding_arrears',
    });
    // Only the two operations were recorded; no coupon moved.
    expect(await ledgerRowCounts(t.db)).toEqual({ ...before, operations: before.operations + 2 });

    await t.ledger.addFunds({
      accountId,
      amount: '15.00',
      currency: 'USD',
      kind: 'top_up',
      operationKey: uid('op'),
    });
    const drawn = await t.ledger.drawDownBill(bill(accountId));
    expect(drawn).toMatchObject({ couponDeduction: '75.00', blockedBy: null });
    expect(await couponState(t.db, couponId)).toMatchObject({ balance: '25' });
  });

  test('a retry with the same key replays; other arguments are refused; another key for the same bill draws nothing more', async () => {
    const accountId = await createAccount(t.db);
    const couponId = await grantCoupon(t.db, { ownerAccountId: accountId });
    const input = bill(accountId, { amount: '40.00' });
    const first = await t.ledger.drawDownBill(input);
    const before = await ledgerRowCounts(t.db);
    expect(await t.ledger.drawDownBill({ ...input, at: daysAfter(1) })).toEqual(first);
    expect((await refusalOf(t.ledger.drawDownBill({ ...input, amount: '41.00' }))).type).toBe(
      'operation_key_reused',
    );
    expect(await ledgerRowCounts(t.db)).toEqual(before);

    const again = await t.ledger.drawDownBill({ ...input, operationKey: uid('op') });
    expect(again).toEqual({
      billId: input.billId,
      draws: [],
      couponDeduction: '0.00',
      remainder: '0.00',
      blockedBy: null,
    });
    // The bill grew (adjusted up): only the difference is drawn.
    const more = await t.ledger.drawDownBill({
      ...input,
      amount: '50.00',
      operationKey: uid('op'),
    });
    expect(more.draws).toEqual([{ couponId, amount: '10.00', balanceAfter: '50.00' }]);
    expect(await couponState(t.db, couponId)).toMatchObject({ balance: '50' });
  });

  test('refusals write nothing: unknown account, unknown product, bad input', async () => {
    const accountId = await createAccount(t.db);
    await grantCoupon(t.db, { ownerAccountId: accountId });
    const before = await ledgerRowCounts(t.db);
    expect((await refusalOf(t.ledger.drawDownBill(bill('acct-missing')))).type).toBe(
      'account_not_found',
    );
    expect(
      (await refusalOf(t.ledger.drawDownBill(bill(accountId, { commodityCode: 'x' })))).type,
    ).toBe('product_not_found');
    const bad = await refusalOf(t.ledger.drawDownBill(bill(accountId, { amount: '1.001' })));
    expect(bad.type).toBe('invalid_input');
    expect(bad.message).toMatch(/amount/);
    expect(await ledgerRowCounts(t.db)).toEqual(before);
  });

  test('coupons in another currency do not draw', async () => {
    const accountId = await createAccount(t.db);
    await grantCoupon(t.db, { ownerAccountId: accountId, currency: 'EUR' });
    const result = await t.ledger.drawDownBill(bill(accountId));
    expect(result).toMatchObject({ draws: [], remainder: '75.00', blockedBy: null });
  });
});
