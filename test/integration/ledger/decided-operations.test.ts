/**
 * Decided operations (activities/ledger/snapshot.ts): deductCoupon and
 * drawDownBill read their state, decide in TypeScript, and write only if the
 * state is unchanged under their locks. These tests hit each outcome of
 * ledger_apply (applied, stored, changed) and the races the optimistic path
 * must lose safely, and group commit (ledger_apply_group): concurrent operations
 * share statements, and one that fails or waits is decided again alone.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { sqlPoolOf } from '../../../activities/database';
import { createLedgerActivities } from '../../../activities/ledger/activities';
import { DECIDED_GROUP_LIMITS, groupCommitStats } from '../../../activities/ledger/snapshot';
import { checkLedgerConsistency } from '../../../activities/ledger/consistency';
import { Dec } from '../../../domain';
import { PrismaClient } from '../../../generated/prisma/client';
import { createTestDatabase } from '../../support/integration';
import { useLedgerDatabase } from '../../support/ledger-harness';
import {
  T0,
  couponFrozenForOrder,
  couponSharedWithMember,
  createAccount,
  createBill,
  freezeInput,
  grantCoupon,
  uid,
} from '../../support/ledger-fixtures';
import { couponState } from '../../support/ledger-reads';
import {
  applyGroupRaw as applyGroup,
  applyRaw as apply,
  drawdownInput,
  drawOfFive,
  readSnapshot,
} from '../../support/decided-operations';

jest.setTimeout(120_000);
const t = useLedgerDatabase();

const bill = drawdownInput;

const snapshot = (operation: string, key: string, args: Record<string, string>, lock = false) =>
  readSnapshot(t.db, operation, key, args, lock);

/** A coupon of its own account, frozen for a new order of 10.00: ready for deductCoupon. */
const frozenCoupon = () => couponFrozenForOrder(t.db, t.ledger, { faceValue: '40.00' });

/** Resolves once some session of this database is waiting for a lock. */
async function untilSomeoneWaitsForALock() {
  for (let i = 0; i < 500; i++) {
    const rows = await t.db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock'`;
    if ((rows[0]?.n ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('no session ever waited for a lock');
}

const applyGroupRaw = (ops: unknown[]) => applyGroup(t.db, ops);

/** One deductCoupon write as the engine would send it (the coupon's 10.00 deduction). */
async function deductionWrite(couponId: string, orderId: string, key: string) {
  const args = { couponId, orderId };
  const { stateHash } = await snapshot('deductCoupon', key, args);
  return {
    operation: 'deductCoupon',
    key,
    args,
    stateHash,
    requestHash: 'test-hash',
    result: { deducted: '10.00' },
    changes: {
      coupons: [
        {
          couponId,
          kind: 'deduct',
          balanceAfter: '30.00',
          balanceDelta: '-10.00',
          statusAfter: 'available',
          frozenForOrderId: null,
          orderId,
          billId: null,
          note: null,
        },
      ],
    },
  };
}

const applyRaw = (
  operation: string,
  key: string,
  args: Record<string, string>,
  stateHash: string | null,
  changes: unknown,
) => apply(t.db, operation, key, args, stateHash, changes);

test('a decision on a state that changed meanwhile writes nothing (outcome changed)', async () => {
  const accountId = await createAccount(t.db);
  const couponId = await grantCoupon(t.db, { ownerAccountId: accountId, faceValue: '50.00' });
  const input = bill(accountId, '5.00');
  const args = { accountId, billId: input.billId, commodityCode: 'ecs' };
  // A bill without its row: decided under locks, on a state hash (a locked read's).
  const stale = await snapshot('drawDownBill', input.operationKey, args, true);
  expect(stale.operation).toBeNull();
  expect(stale.stateHash).toMatch(/^[0-9a-f]{32}$/);

  // Another bill draws on the coupon between the read and the write.
  await t.ledger.drawDownBill(bill(accountId, '3.00'));
  const outcome = await applyRaw('drawDownBill', input.operationKey, args, stale.stateHash, {
    coupons: [drawOfFive(couponId, input.billId, 'stale')],
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

test('after a bill loses a race on its account, the next decisions on it go straight to the locked path', async () => {
  const accountId = await createAccount(t.db);
  const couponId = await grantCoupon(t.db, { ownerAccountId: accountId, faceValue: '100.00' });
  // 16 bills (with their rows, as the bill workflow opens them) at once read the same
  // balance: one write wins, the others lose the race.
  const withRow = async (account: string) => {
    const input = bill(account);
    await createBill(t.db, { id: input.billId, accountId: account, amount: input.amount });
    return input;
  };
  const bills = await Promise.all(Array.from({ length: 16 }, () => withRow(accountId)));
  await Promise.all(bills.map((b) => t.ledger.drawDownBill(b)));
  const nextBill = await withRow(accountId);
  const before = groupCommitStats(t.db);
  const next = await t.ledger.drawDownBill(nextBill);
  expect(next.draws).toEqual([{ couponId, amount: '1.00', balanceAfter: '83.00' }]);
  // Decided under locks at once: no optimistic read or write was sent for it.
  expect(groupCommitStats(t.db).reads.calls).toBe(before.reads.calls);
  expect(groupCommitStats(t.db).applies.calls).toBe(before.applies.calls);

  // An account no bill raced on still takes the optimistic path.
  const calm = await createAccount(t.db);
  await grantCoupon(t.db, { ownerAccountId: calm, faceValue: '10.00' });
  await t.ledger.drawDownBill(await withRow(calm));
  expect(groupCommitStats(t.db).reads.calls).toBe(before.reads.calls + 1);
  expect(groupCommitStats(t.db).applies.calls).toBe(before.applies.calls + 1);
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

test('16 deductions at once share statements: each is written once, with its own result', async () => {
  const orders = await Promise.all(Array.from({ length: 16 }, () => frozenCoupon()));
  const before = groupCommitStats(t.db);
  const results = await Promise.all(orders.map((o) => t.ledger.deductCoupon(o.deduction)));
  const after = groupCommitStats(t.db);
  for (const [i, r] of results.entries()) {
    expect(r).toEqual({
      couponId: orders[i]?.couponId,
      orderId: orders[i]?.orderId,
      deducted: '10.00',
      balanceAfter: '30.00',
      statusAfter: 'available',
    });
  }
  const reads = after.reads.statements - before.reads.statements;
  const writes = after.applies.statements - before.applies.statements;
  expect(after.reads.calls - before.reads.calls).toBe(16);
  expect(after.applies.calls - before.applies.calls).toBe(16);
  // Issued in one task, the 16 reads fill groups of the most calls a statement takes.
  expect(reads).toBe(Math.ceil(16 / DECIDED_GROUP_LIMITS.maxCalls));
  expect(writes).toBeLessThan(16);
  const movements = await t.db.couponMovement.count({
    where: { orderId: { in: orders.map((o) => o.orderId) }, kind: 'deduct' },
  });
  expect(movements).toBe(16);
});

test('ledger_apply_group: an operation that fails rolls back only its own writes (outcome failed)', async () => {
  const good = await frozenCoupon();
  const bad = await frozenCoupon();
  const goodWrite = await deductionWrite(good.couponId, good.orderId, uid('op'));
  const badWrite = await deductionWrite(bad.couponId, bad.orderId, uid('op'));
  // Its changes name a coupon that does not exist: ledger_apply raises after writing bad's own.
  badWrite.changes.coupons.push({ ...badWrite.changes.coupons[0]!, couponId: 'no-such-coupon' });
  expect(await applyGroupRaw([badWrite, goodWrite])).toEqual([
    { outcome: 'failed', sqlstate: 'P0001' },
    { outcome: 'applied' },
  ]);
  expect(await couponState(t.db, good.couponId)).toMatchObject({ balance: '30' });
  expect(await t.db.operation.count({ where: { key: goodWrite.key } })).toBe(1);
  expect(await couponState(t.db, bad.couponId)).toMatchObject({ balance: '40', status: 'frozen' });
  expect(await t.db.operation.count({ where: { key: badWrite.key } })).toBe(0);
  expect(await t.db.couponMovement.count({ where: { orderId: bad.orderId, kind: 'deduct' } })).toBe(
    0,
  );
  // The failed one, decided again by the engine, is written normally.
  expect(
    await t.ledger.deductCoupon({ ...bad.deduction, operationKey: badWrite.key }),
  ).toMatchObject({
    deducted: '10.00',
  });
});

test('in a group, an operation waiting over 100 ms for a row lock gives up (55P03); the others are written', async () => {
  const busy = await frozenCoupon();
  const free = await frozenCoupon();
  const busyWrite = await deductionWrite(busy.couponId, busy.orderId, uid('op'));
  const freeWrite = await deductionWrite(free.couponId, free.orderId, uid('op'));
  const pool = sqlPoolOf(t.db);
  if (!pool) throw new Error('no pool');
  const holder = await pool.connect();
  try {
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM "Coupon" WHERE "id" = $1 FOR UPDATE', [busy.couponId]);
    const started = Date.now();
    expect(await applyGroupRaw([busyWrite, freeWrite])).toEqual([
      { outcome: 'failed', sqlstate: '55P03' },
      { outcome: 'applied' },
    ]);
    expect(Date.now() - started).toBeLessThan(5_000);
  } finally {
    await holder.query('ROLLBACK');
    holder.release();
  }
  expect(await couponState(t.db, free.couponId)).toMatchObject({ balance: '30' });
  expect(await couponState(t.db, busy.couponId)).toMatchObject({ balance: '40' });
});

test('a deduction whose write waits on a locked coupon holds up only itself, and is decided again under locks', async () => {
  const orders = await Promise.all(Array.from({ length: 6 }, () => frozenCoupon()));
  const [locked, ...others] = orders;
  if (!locked) throw new Error('no orders');
  const pool = sqlPoolOf(t.db);
  if (!pool) throw new Error('no pool');
  const holder = await pool.connect();
  let lockedDeduction: Promise<unknown> | undefined;
  try {
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM "Coupon" WHERE "id" = $1 FOR UPDATE', [locked.couponId]);
    lockedDeduction = t.ledger.deductCoupon(locked.deduction);
    await untilSomeoneWaitsForALock();
    const rest = Promise.all(others.map((o) => t.ledger.deductCoupon(o.deduction)));
    // The others finish while the lock is still held.
    const othersDone = await Promise.race([
      rest,
      new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), 10_000)),
    ]);
    expect(othersDone).not.toBe('stuck');
    await holder.query('COMMIT');
  } finally {
    holder.release();
  }
  expect(await lockedDeduction).toMatchObject({ couponId: locked.couponId, deducted: '10.00' });
  for (const o of orders) {
    expect(await couponState(t.db, o.couponId)).toMatchObject({ balance: '30' });
    expect(await t.db.couponMovement.count({ where: { orderId: o.orderId, kind: 'deduct' } })).toBe(
      1,
    );
  }
});

test('the entry points plan their statements generically, and a CREATE OR REPLACE must keep it', async () => {
  // Without it, a statement filtering by = ANY(an array) is planned again on every
  // run (migration 20261201220000_ledger_generic_plans). CREATE OR REPLACE FUNCTION
  // drops a SET clause it does not repeat: this test says so when one does.
  const rows = await t.db.$queryRaw<{ name: string; config: string[] | null }[]>`
    SELECT p.proname AS name, p.proconfig AS config FROM pg_proc p
    WHERE p.proname IN ('ledger_snapshot', 'ledger_apply', 'ledger_apply_group') ORDER BY p.proname`;
  expect(rows).toEqual(
    ['ledger_apply', 'ledger_apply_group', 'ledger_snapshot'].map((name) => ({
      name,
      config: ['plan_cache_mode=force_generic_plan'],
    })),
  );
});
