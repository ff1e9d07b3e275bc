/**
 * The SQL session's pipelined transaction (activities/database.ts), the ledger's
 * locked path: BEGIN goes with the first statement and COMMIT with the second. What
 * the second statement does is committed with it, and nothing else is: a work that
 * ends without it, or a second statement that fails, rolls everything back.
 */
import { sqlSession } from '../../../activities/database';
import { Dec } from '../../../domain';
import { createAccount, grantCoupon } from '../../support/ledger-fixtures';
import { couponState } from '../../support/ledger-reads';
import { useLedgerDatabase } from '../../support/ledger-harness';

const t = useLedgerDatabase();

const setBalance = 'UPDATE "Coupon" SET "balance" = $2::numeric WHERE "id" = $1 RETURNING "id"';
const lockCoupon = 'SELECT "balance"::text AS balance FROM "Coupon" WHERE "id" = $1 FOR UPDATE';

/** Sessions of this database left inside a transaction, between statements. */
async function sessionsInTransaction(): Promise<number> {
  const rows = await t.db.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND state LIKE 'idle in transaction%'`;
  return rows[0]?.n ?? -1;
}

async function newCoupon(faceValue = '50.00') {
  return grantCoupon(t.db, { ownerAccountId: await createAccount(t.db), faceValue });
}

test('both statements run in one transaction; the second commits it; each answers its rows', async () => {
  const couponId = await newCoupon();
  const sql = sqlSession(t.db);
  const out = await sql.pipelinedTransaction(async (tx) => {
    const locked = await tx.begin(lockCoupon, [couponId]);
    const updated = await tx.commit(setBalance, [couponId, '50.00']);
    return { locked, updated };
  });
  expect(out).toEqual({ locked: [{ balance: '50.0000' }], updated: [{ id: couponId }] });
});

test('a work that ends without commit rolls back what its first statement did', async () => {
  const couponId = await newCoupon();
  const sql = sqlSession(t.db);
  const rows = await sql.pipelinedTransaction((tx) => tx.begin(setBalance, [couponId, '7.00']));
  expect(rows).toEqual([{ id: couponId }]);
  expect(await couponState(t.db, couponId)).toMatchObject({ balance: '50' });
  // Rolled back, not left open on a pooled connection (holding its row lock).
  expect(await sessionsInTransaction()).toBe(0);
});

test('a second statement that fails commits nothing, and the connection serves the next transaction', async () => {
  const couponId = await newCoupon();
  const sql = sqlSession(t.db);
  await expect(
    sql.pipelinedTransaction(async (tx) => {
      await tx.begin(setBalance, [couponId, '7.00']);
      // Over the face value: the balance's CHECK constraint refuses it.
      return tx.commit(setBalance, [couponId, '70.00']);
    }),
  ).rejects.toThrow(/Coupon_balance_in_range/);
  expect(await couponState(t.db, couponId)).toMatchObject({ balance: '50' });
  expect(await sessionsInTransaction()).toBe(0);
  // Every pooled connection is back in a usable state (none left in a failed transaction).
  const balances = await Promise.all(
    Array.from({ length: 12 }, () =>
      sql.pipelinedTransaction(async (tx) => {
        await tx.begin(lockCoupon, [couponId]);
        return (await tx.commit(lockCoupon, [couponId]))[0];
      }),
    ),
  );
  expect(balances).toEqual(Array.from({ length: 12 }, () => ({ balance: '50.0000' })));
});

test('a value with quotes and backslashes arrives as it was sent', async () => {
  await newCoupon();
  const sql = sqlSession(t.db);
  const hostile = `it's \\ "quoted" '); DROP TABLE "Coupon"; --`;
  const rows = await sql.pipelinedTransaction(async (tx) => {
    await tx.begin('SELECT $1::text AS v', [hostile]);
    return tx.commit('SELECT $1::text AS v, $2::jsonb AS j', [
      hostile,
      JSON.stringify({ hostile }),
    ]);
  });
  expect(rows).toEqual([{ v: hostile, j: { hostile } }]);
  // And nothing of it ran as SQL: the table is still there.
  expect(await t.db.coupon.count()).toBeGreaterThan(0);
});

test('the first statement holds its row locks until the second commits', async () => {
  const couponId = await newCoupon();
  const sql = sqlSession(t.db);
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  const order: string[] = [];
  const first = sql.pipelinedTransaction(async (tx) => {
    await tx.begin(lockCoupon, [couponId]);
    order.push('locked');
    await held;
    await tx.commit(setBalance, [couponId, '40.00']);
    order.push('committed');
  });
  while (order.length === 0) await new Promise((r) => setTimeout(r, 5));
  // A second locker waits for the first to commit, then reads what it wrote.
  const second = sql.transaction(async (query) => {
    const rows = await query(lockCoupon, [couponId]);
    order.push(`read ${String(rows[0]?.balance)}`);
  });
  await new Promise((r) => setTimeout(r, 100));
  release();
  await Promise.all([first, second]);
  // It read what the first committed: it waited for that commit. (Which of the two
  // callbacks runs first once the commit is through is up to the sockets.)
  expect(order[0]).toBe('locked');
  expect(order.slice(1).sort()).toEqual(['committed', 'read 40.0000']);
  // The test wrote the balance without a movement: put it back for the ledger check.
  await t.db.coupon.update({ where: { id: couponId }, data: { balance: new Dec(50).toString() } });
});
