/**
 * Decided operations (activities/ledger/snapshot.ts): deductCoupon and
 * drawDownBill read their state, decide in TypeScript, and write only if the
 * state is unchanged under their locks. These tests hit each outcome of
 * ledger_apply (applied, stored, changed) and the races the optimistic path
 * must lose safely.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { sqlPoolOf } from '../../../activities/database';
import { createLedgerActivities } from '../../../activities/ledger/activities';
import { checkLedgerConsistency } from '../../../activities/ledger/consistency';
import { Dec } from '../../../domain';
import { PrismaClient } from '../../../generated/prisma/client';
import { createTestDatabase } from '../../support/integration';
import { useLedgerDatabase } from '../../support/ledger-harness';
import {
  T0,
  couponSharedWithMember,
  createAccount,
  freezeInput,
  grantCoupon,
  uid,
} from '../../support/ledger-fixtures';
import { couponState } from '../../support/ledger-reads';

jest.setTimeout(120_000);
const t = useLedgerDatabase();

const bill = (accountId: string, amount = '1.00') => ({
  billId: uid('bill'),
  accountId,
  commodityCode: 'ecs',
  amount,
  currency: 'USD' as const,
  overdue: false,
  at: T0,
  operationKey: uid('op'),
});

async function snapshot(operation: string, key: string, args: Record<string, string>) {
  const rows = await t.db.$queryRaw<{ s: { stateHash: string; operation: unknown } }[]>`
    SELECT ledger_snapshot(${operation}, ${key}, ${JSON.stringify(args)}::jsonb, false) AS s`;
  const first = rows[0];
  if (!first) throw new Error('no snapshot');
  return first.s;
}

async function applyRaw(
  operation: string,
  key: string,
  args: Record<string, string>,
  stateHash: string,
  changes: unknown,
) {
  const rows = await t.db.$queryRaw<{ o: { outcome: string } }[]>`
    SELECT ledger_apply(${operation}, ${key}, ${JSON.stringify(args)}::jsonb, ${stateHash},
                        'test-hash', '{}'::jsonb, ${JSON.stringify(changes)}::jsonb) AS o`;
  return rows[0]?.o;
}

test('a decision on a state that changed meanwhile writes nothing (outcome changed)', async () => {
  const accountId = await createAccount(t.db);
  const couponId = await grantCoupon(t.db, { ownerAccountId: accountId, faceValue: '50.00' });
  const input = bill(accountId, '5.00');
  const args = { accountId, billId: input.billId, commodityCode: 'ecs' };
  const stale = await snapshot('drawDownBill', input.operationKey, args);
  expect(stale.operation).toBeNull();

  // Another bill draws on the coupon between the read and the write.
  await t.ledger.drawDownBill(bill(accountId, '3.00'));
  const outcome = await applyRaw('drawDownBill', input.operationKey, args, stale.stateHash, {
    coupons: [
      {
        couponId,
        kind: 'deduct',
        balanceAfter: '45.00',
        balanceDelta: '-5.00',
        statusAfter: 'available',
        frozenForOrderId: null,
        orderId: null,
        billId: input.billId,
        note: 'stale',
      },
    ],
  });
  expect(outcome).toEqual({ outcome: 'changed' });
  expect(await couponState(t.db, couponId)).toMatchObject({ balance: '47' });
  expect(await t.db.operation.findUnique({ where: { key: input.operationKey } })).toBeNull();
  expect(await t.db.couponMovement.count({ where: { billId: input.billId } })).toBe(0);

  // The operation itself decides again on the fresh state.
  const result = await t.ledger.drawDownBill(input);
  expect(result.draws).toEqual([{ couponId, amount: '5.00', balanceAfter: '42.00' }]);
});

test('a write under a key already done returns the stored Operation (outcome stored)', async () => {
  const accountId = await createAccount(t.db);
  await grantCoupon(t.db, { ownerAccountId: accountId, faceValue: '50.00' });
  const input = bill(accountId, '5.00');
  const args = { accountId, billId: input.billId, commodityCode: 'ecs' };
  const before = await snapshot('drawDownBill', input.operationKey, args);
  const first = await t.ledger.drawDownBill(input);
  const outcome = await applyRaw('drawDownBill', input.operationKey, args, before.stateHash, {
    coupons: [],
  });
  expect(outcome).toMatchObject({ outcome: 'stored', operation: { result: first } });
  expect(await t.db.couponMovement.count({ where: { billId: input.billId } })).toBe(1);
});

test('40 bills at once on one hot coupon: each draws its amount once, the chain stays sound', async () => {
  const accountId = await createAccount(t.db);
  const couponId = await grantCoupon(t.db, { ownerAccountId: accountId, faceValue: '100.00' });
  const bills = Array.from({ length: 40 }, () => bill(accountId, '2.00'));
  const results = await Promise.all(bills.map((b) => t.ledger.drawDownBill(b)));
  for (const r of results) expect(r.couponDeduction).toBe('2.00');
  expect(await couponState(t.db, couponId)).toMatchObject({ balance: '20' });
  const movements = await t.db.couponMovement.findMany({
    where: { couponId, kind: 'deduct' },
    orderBy: { id: 'asc' },
  });
  expect(movements).toHaveLength(40);
  let balance = new Dec(100);
  for (const m of movements) {
    balance = balance.plus(m.balanceDelta.toString());
    expect(new Dec(m.balanceAfter.toString()).toString()).toBe(balance.toString());
  }
  // Every bill's stored result is what its caller got.
  for (const [i, b] of bills.entries()) {
    const op = await t.db.operation.findUniqueOrThrow({ where: { key: b.operationKey } });
    expect(op.result).toEqual(results[i]);
  }
});

test('one drawdown fired 10 times at once with one key draws once; every caller gets the same result', async () => {
  const accountId = await createAccount(t.db);
  const couponId = await grantCoupon(t.db, { ownerAccountId: accountId, faceValue: '30.00' });
  const input = bill(accountId, '7.00');
  const results = await Promise.all(Array.from({ length: 10 }, () => t.ledger.drawDownBill(input)));
  for (const r of results) expect(r).toEqual(results[0]);
  expect(results[0]?.draws).toEqual([{ couponId, amount: '7.00', balanceAfter: '23.00' }]);
  expect(await t.db.couponMovement.count({ where: { billId: input.billId } })).toBe(1);
});

test('one deduction fired 10 times at once with one key deducts once; another request under it is refused', async () => {
  const accountId = await createAccount(t.db);
  const couponId = await grantCoupon(t.db, { ownerAccountId: accountId, faceValue: '40.00' });
  const orderId = uid('ord');
  await t.ledger.freezeCouponForOrder({
    accountId,
    couponId,
    orderId,
    commodityCode: 'ecs',
    orderType: 'new_purchase',
    amount: '12.00',
    currency: 'USD',
    at: T0,
    operationKey: uid('op'),
  });
  const input = { couponId, orderId, amount: '12.00', at: T0, operationKey: uid('op') };
  const results = await Promise.all(Array.from({ length: 10 }, () => t.ledger.deductCoupon(input)));
  for (const r of results) {
    expect(r).toEqual({
      couponId,
      orderId,
      deducted: '12.00',
      balanceAfter: '28.00',
      statusAfter: 'available',
    });
  }
  expect(await t.db.couponMovement.count({ where: { couponId, kind: 'deduct' } })).toBe(1);
  await expect(t.ledger.deductCoupon({ ...input, amount: '11.00' })).rejects.toMatchObject({
    type: 'operation_key_reused',
  });
});

test('two coupons frozen for one order at once: exactly one holds it, the other is refused and stays available', async () => {
  const accountId = await createAccount(t.db);
  const orderId = uid('ord');
  const coupons = await Promise.all(
    Array.from({ length: 6 }, () => grantCoupon(t.db, { ownerAccountId: accountId })),
  );
  const freeze = (couponId: string) =>
    t.ledger.freezeCouponForOrder(freezeInput(accountId, couponId, { orderId }));
  const outcomes = await Promise.allSettled(coupons.map(freeze));
  const frozen = outcomes.filter((o) => o.status === 'fulfilled');
  expect(frozen).toHaveLength(1);
  for (const o of outcomes) {
    if (o.status === 'rejected')
      expect(o.reason).toMatchObject({ type: 'order_already_has_coupon' });
  }
  const rows = await t.db.coupon.findMany({ where: { id: { in: coupons } } });
  expect(rows.filter((r) => r.status === 'frozen' && r.frozenForOrderId === orderId)).toHaveLength(
    1,
  );
  expect(rows.filter((r) => r.status === 'available')).toHaveLength(5);
  expect(await t.db.couponMovement.count({ where: { orderId, kind: 'freeze' } })).toBe(1);
});

test('a freeze decided before the share it relied on was cancelled writes nothing (outcome changed)', async () => {
  const { owner, member, couponId, shareId } = await couponSharedWithMember(t.db, t.ledger);
  const key = uid('op');
  const args = { accountId: member, couponId, orderId: uid('ord'), commodityCode: 'ecs' };
  const stale = await snapshot('freezeCouponForOrder', key, args);
  await t.ledger.cancelShare({
    shareId,
    ownerAccountId: owner,
    at: T0,
    operationKey: uid('op'),
  });
  const outcome = await applyRaw('freezeCouponForOrder', key, args, stale.stateHash, {
    coupons: [],
  });
  expect(outcome).toEqual({ outcome: 'changed' });
  expect(await t.db.operation.count({ where: { key } })).toBe(0);
});

test('a refusal read on the optimistic path is judged again under locks and stores nothing', async () => {
  const accountId = await createAccount(t.db);
  const couponId = await grantCoupon(t.db, { ownerAccountId: accountId, faceValue: '40.00' });
  const input = { couponId, orderId: uid('ord'), amount: '5.00', at: T0, operationKey: uid('op') };
  await expect(t.ledger.deductCoupon(input)).rejects.toMatchObject({
    type: 'coupon_not_frozen_for_order',
  });
  expect(await t.db.operation.findUnique({ where: { key: input.operationKey } })).toBeNull();
  // The key is free for a later, valid use.
  await t.ledger.freezeCouponForOrder({
    accountId,
    couponId,
    orderId: input.orderId,
    commodityCode: 'ecs',
    orderType: 'new_purchase',
    amount: '5.00',
    currency: 'USD',
    at: T0,
    operationKey: uid('op'),
  });
  expect(await t.ledger.deductCoupon(input)).toMatchObject({ deducted: '5.00' });
});

test('a client not made by createDatabase (no pool of ours) runs them through Prisma, with the same guarantees', async () => {
  const database = await createTestDatabase();
  const prismaOnly = new PrismaClient({
    adapter: new PrismaPg({ connectionString: database.url }),
  });
  try {
    expect(sqlPoolOf(prismaOnly)).toBeUndefined();
    const ledger = createLedgerActivities(prismaOnly);
    const accountId = await createAccount(prismaOnly);
    const couponId = await grantCoupon(prismaOnly, {
      ownerAccountId: accountId,
      faceValue: '30.00',
    });
    const input = bill(accountId, '4.00');
    const first = await ledger.drawDownBill(input);
    expect(first.draws).toEqual([{ couponId, amount: '4.00', balanceAfter: '26.00' }]);
    expect(await ledger.drawDownBill(input)).toEqual(first);
    await expect(ledger.drawDownBill({ ...input, amount: '5.00' })).rejects.toMatchObject({
      type: 'operation_key_reused',
    });
    // A refusal (nothing frozen for the order) goes through the locked transaction.
    await expect(
      ledger.deductCoupon({
        couponId,
        orderId: uid('ord'),
        amount: '1.00',
        at: T0,
        operationKey: uid('op'),
      }),
    ).rejects.toMatchObject({ type: 'coupon_not_frozen_for_order' });
    expect(await couponState(prismaOnly, couponId)).toMatchObject({ balance: '26' });
    expect(await checkLedgerConsistency(prismaOnly)).toEqual({
      ok: true,
      coupons: [],
      accounts: [],
    });
  } finally {
    await prismaOnly.$disconnect();
    await database.drop();
  }
});
