/**
 * Issue 5: returnCoupon on the real database (seed 002 §Returns, domain/returns.ts):
 * cancelled before payment → released or returned; provisioning failed / bill
 * rolled back → cash and threshold come back, discount not; domains and virtual
 * hosts never; unsubscription pro rata; never more than was deducted there.
 */
import type { CouponKind, ReturnEvent } from '../../../domain';
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
  type CouponFixture,
} from '../../support/ledger-fixtures';
import { couponState, movementsAfterGrant } from '../../support/ledger-reads';

jest.setTimeout(60_000);
const t = useLedgerDatabase();

/** A coupon frozen for an order and, unless `pay` is false, deducted at payment. */
async function usedOnOrder(options: {
  kind?: CouponKind;
  amount?: string;
  commodityCode?: string;
  coupon?: Partial<CouponFixture>;
  pay?: boolean;
}) {
  const accountId = await createAccount(t.db);
  const couponId = await grantCoupon(t.db, {
    ownerAccountId: accountId,
    kind: options.kind ?? 'cash',
    ...options.coupon,
  });
  const orderId = uid('ord');
  const commodityCode = options.commodityCode ?? 'ecs';
  const quote = await t.ledger.freezeCouponForOrder({
    accountId,
    couponId,
    orderId,
    commodityCode,
    orderType: 'new_purchase',
    amount: options.amount ?? '150.00',
    currency: 'USD',
    at: T0,
    operationKey: uid('op'),
  });
  if (options.pay !== false) {
    await t.ledger.deductCoupon({
      couponId,
      orderId,
      amount: quote.deduction,
      at: T0,
      operationKey: uid('op'),
    });
  }
  return { accountId, couponId, orderId, commodityCode, deduction: quote.deduction };
}

const returnInput = (
  used: { couponId: string; orderId: string; commodityCode: string },
  event: ReturnEvent,
  over: object = {},
) => ({
  couponId: used.couponId,
  orderId: used.orderId,
  commodityCode: used.commodityCode,
  event,
  at: T0,
  operationKey: uid('op'),
  ...over,
});

describe('returnCoupon on orders', () => {
  test('cancelled before payment: a frozen coupon is released (nothing was booked)', async () => {
    const used = await usedOnOrder({ pay: false });
    const result = await t.ledger.returnCoupon(
      returnInput(used, { type: 'order_cancelled_before_payment' }),
    );
    expect(result).toMatchObject({
      couponId: used.couponId,
      outcome: 'released',
      rule: 'freeze_released',
      returnedAmount: '0.00',
      balanceAfter: '100.00',
      statusAfter: 'available',
    });
    expect(await couponState(t.db, used.couponId)).toEqual({
      balance: '100',
      status: 'available',
      frozenForOrderId: null,
    });
    expect((await movementsAfterGrant(t.db, used.couponId)).at(-1)).toMatchObject({
      kind: 'release',
      delta: '0',
      orderId: used.orderId,
    });
  });

  test.each([
    ['cash', 'provisioning_failed', '100.00', '100', 'returned'],
    ['threshold', 'provisioning_failed', '20.00', '20', 'returned'],
    ['discount', 'provisioning_failed', '0.00', '0', 'not_returned'],
  ] as const)(
    '%s coupon on %s: returned %s',
    async (kind, type, returnedAmount, balance, outcome) => {
      // 150.00 order: cash deducts 100.00, threshold 20.00 off 100.00, discount 10 % = 15.00.
      const used = await usedOnOrder({ kind });
      const result = await t.ledger.returnCoupon(returnInput(used, { type }));
      expect(result).toMatchObject({ outcome, returnedAmount });
      expect(await couponState(t.db, used.couponId)).toMatchObject({
        balance,
        status: outcome === 'returned' ? 'available' : 'used',
      });
      expect((await movementsAfterGrant(t.db, used.couponId)).at(-1)).toMatchObject({
        kind: 'return',
        delta: balance,
        orderId: used.orderId,
      });
    },
  );

  test('domains and virtual hosts never get their coupon back, even when provisioning fails', async () => {
    const domain = await usedOnOrder({
      commodityCode: 'domain',
      coupon: { scope: { type: 'products', productCodes: ['domain'] } },
    });
    const virtualHost = await usedOnOrder({ commodityCode: 'virtualhost' });
    for (const used of [domain, virtualHost]) {
      const result = await t.ledger.returnCoupon(
        returnInput(used, { type: 'provisioning_failed' }),
      );
      expect(result).toMatchObject({
        outcome: 'not_returned',
        rule: 'never_returned_product',
        returnedAmount: '0.00',
      });
      expect(await couponState(t.db, used.couponId)).toMatchObject({
        balance: '0',
        status: 'used',
      });
    }
    // Cancelling an unpaid domain order still releases the frozen coupon.
    const unpaid = await usedOnOrder({
      commodityCode: 'domain',
      coupon: { scope: { type: 'products', productCodes: ['domain'] } },
      pay: false,
    });
    expect(
      await t.ledger.returnCoupon(returnInput(unpaid, { type: 'order_cancelled_before_payment' })),
    ).toMatchObject({ outcome: 'released' });
  });

  test('resource unsubscribed: a cash coupon gets back its unused share, once', async () => {
    const used = await usedOnOrder({ amount: '40.00' });
    const input = returnInput(used, { type: 'resource_unsubscribed', unusedFraction: '0.25' });
    const result = await t.ledger.returnCoupon(input);
    expect(result).toMatchObject({ outcome: 'returned', returnedAmount: '10.00' });
    expect(await couponState(t.db, used.couponId)).toMatchObject({ balance: '70' });

    const before = await ledgerRowCounts(t.db);
    expect(await t.ledger.returnCoupon({ ...input, at: daysAfter(1) })).toEqual(result);
    const reused = await refusalOf(
      t.ledger.returnCoupon({ ...input, event: { type: 'provisioning_failed' } }),
    );
    expect(reused.type).toBe('operation_key_reused');
    expect(await ledgerRowCounts(t.db)).toEqual(before);

    // Provisioning failing afterwards returns the rest, never more than was deducted.
    const rest = await t.ledger.returnCoupon(returnInput(used, { type: 'provisioning_failed' }));
    expect(rest).toMatchObject({ returnedAmount: '30.00', balanceAfter: '100.00' });
    const nothingLeft = await refusalOf(
      t.ledger.returnCoupon(returnInput(used, { type: 'provisioning_failed' })),
    );
    expect(nothingLeft.type).toBe('coupon_not_deducted_for_order');
  });

  test('a coupon returned after its expiry comes back expired', async () => {
    const used = await usedOnOrder({ amount: '40.00', coupon: { expiresAt: daysAfter(2) } });
    const result = await t.ledger.returnCoupon(
      returnInput(used, { type: 'provisioning_failed' }, { at: daysAfter(3) }),
    );
    expect(result).toMatchObject({ outcome: 'returned', statusAfter: 'expired' });
    expect(await couponState(t.db, used.couponId)).toMatchObject({
      balance: '100',
      status: 'expired',
    });
  });

  test('a cash coupon paid one order and is frozen by the next: the return keeps it frozen for that order', async () => {
    const used = await usedOnOrder({ amount: '40.00' });
    const next = uid('ord');
    await t.ledger.freezeCouponForOrder({
      accountId: used.accountId,
      couponId: used.couponId,
      orderId: next,
      commodityCode: 'ecs',
      orderType: 'new_purchase',
      amount: '10.00',
      currency: 'USD',
      at: T0,
      operationKey: uid('op'),
    });
    await t.ledger.returnCoupon(returnInput(used, { type: 'provisioning_failed' }));
    expect(await couponState(t.db, used.couponId)).toEqual({
      balance: '100',
      status: 'frozen',
      frozenForOrderId: next,
    });
  });

  test('refusals write nothing: nothing deducted there, a frozen coupon on a non-cancel event, unknown coupon or product', async () => {
    const unpaid = await usedOnOrder({ pay: false });
    const paid = await usedOnOrder({});
    const before = await ledgerRowCounts(t.db);
    const refused = async (input: ReturnType<typeof returnInput>) =>
      (await refusalOf(t.ledger.returnCoupon(input))).type;
    expect(await refused(returnInput(unpaid, { type: 'provisioning_failed' }))).toBe(
      'coupon_not_deducted_for_order',
    );
    expect(
      await refused(
        returnInput({ ...paid, orderId: 'ord-other' }, { type: 'provisioning_failed' }),
      ),
    ).toBe('coupon_not_deducted_for_order');
    expect(
      await refused(
        returnInput({ ...paid, couponId: 'cpn-missing' }, { type: 'provisioning_failed' }),
      ),
    ).toBe('coupon_not_found');
    expect(
      await refused(
        returnInput({ ...paid, commodityCode: 'nope' }, { type: 'provisioning_failed' }),
      ),
    ).toBe('product_not_found');
    expect(
      await refused(returnInput(paid, { type: 'provisioning_failed' }, { billId: 'bill-1' })),
    ).toBe('invalid_input');
    expect(await ledgerRowCounts(t.db)).toEqual(before);
  });
});

describe('returnCoupon on bills', () => {
  test('a rolled-back bill gives its cash coupons back and its coupon deduction drops to 0', async () => {
    const accountId = await createAccount(t.db);
    const couponId = await grantCoupon(t.db, { ownerAccountId: accountId, faceValue: '50.00' });
    const billId = await createBill(t.db, { accountId, amount: '30.00' });
    await t.ledger.drawDownBill({
      billId,
      accountId,
      commodityCode: 'ecs',
      amount: '30.00',
      currency: 'USD',
      overdue: false,
      at: T0,
      operationKey: uid('op'),
    });
    expect(
      (await t.db.bill.findUniqueOrThrow({ where: { id: billId } })).couponDeduction.toString(),
    ).toBe('30');
    const result = await t.ledger.returnCoupon({
      couponId,
      billId,
      commodityCode: 'ecs',
      event: { type: 'bill_rolled_back' },
      at: T0,
      operationKey: uid('op'),
    });
    expect(result).toMatchObject({
      outcome: 'returned',
      returnedAmount: '30.00',
      balanceAfter: '50.00',
    });
    expect(
      (await movementsAfterGrant(t.db, couponId)).map((m) => [m.kind, m.delta, m.billId]),
    ).toEqual([
      ['deduct', '-30', billId],
      ['return', '30', billId],
    ]);
    expect(
      (await t.db.bill.findUniqueOrThrow({ where: { id: billId } })).couponDeduction.toString(),
    ).toBe('0');
  });
});
