/**
 * Where one ledger operation's time goes: drawDownBill and deductCoupon run one
 * at a time (no contention), beside the statements they are made of and the raw
 * UPDATE of bench/ledger.ts, each with its wall time and the Node process's CPU
 * time per call (the rest of the wall time is the database and the wire).
 *
 *   BENCH_N=200 npx tsx bench/ledger-profile.ts
 */
import { sqlPoolOf } from '../activities/database';
import { createLedgerActivities } from '../activities/ledger/activities';
import { couponFrozenForOrder, grantCoupon, T0 } from '../test/support/ledger-fixtures';
import { startBenchDatabase } from './lib/database';
import { printTable, round, type Row } from './lib/report';

const N = Number(process.env.BENCH_N ?? 200);

async function main(): Promise<void> {
  const bench = await startBenchDatabase();
  const { db } = bench;
  const pool = sqlPoolOf(db);
  if (!pool) throw new Error('the bench database has no pg pool');
  const ledger = createLedgerActivities(db);
  const rows: Row[] = [];
  const measure = async (name: string, run: (i: number) => Promise<unknown>) => {
    for (let i = 0; i < 10; i++) await run(N + i); // warm every pooled connection's plans
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await run(i);
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    rows.push({
      call: name,
      'wall ms': round(wall / N, 3),
      'node cpu ms': round((cpu.user + cpu.system) / 1000 / N, 3),
    });
  };
  try {
    const accounts: string[] = [];
    const frozen: Awaited<ReturnType<typeof couponFrozenForOrder>>[] = [];
    for (let i = 0; i < N + 10; i++) {
      // One account: a coupon its bill draws on, and one frozen for an order.
      const order = await couponFrozenForOrder(db, ledger);
      await grantCoupon(db, { ownerAccountId: order.accountId, faceValue: '100.00' });
      accounts.push(order.accountId);
      frozen.push(order);
    }
    const drawdownArgs = (i: number) =>
      JSON.stringify({ accountId: accounts[i] ?? '', billId: `bill-${i}`, commodityCode: 'ecs' });
    const rawCoupon = frozen[0]?.couponId ?? '';

    await measure('drawDownBill', (i) =>
      ledger.drawDownBill({
        billId: `bill-${i}`,
        accountId: accounts[i] ?? '',
        commodityCode: 'ecs',
        amount: '1.00',
        currency: 'USD',
        overdue: false,
        at: T0,
        operationKey: `profile:bill:${i}`,
      }),
    );
    await measure('  its snapshot read (pg)', (i) =>
      pool.query('SELECT ledger_snapshot($1::text, $2::text, $3::jsonb, false)', [
        'drawDownBill',
        `profile:read:${i}`,
        drawdownArgs(i),
      ]),
    );
    await measure('deductCoupon', (i) => {
      const deduction = frozen[i]?.deduction;
      if (!deduction) throw new Error(`no frozen coupon for deduction ${i}`);
      return ledger.deductCoupon(deduction);
    });
    await measure('raw UPDATE (pg, the ceiling)', () =>
      pool.query(
        'UPDATE "Coupon" SET "balance" = "balance" - 1 WHERE "id" = $1 AND "balance" >= 1',
        [rawCoupon],
      ),
    );
    await measure('SELECT 1 (pg)', () => pool.query('SELECT 1'));
    await measure('SELECT 1 (Prisma $queryRaw)', () => db.$queryRaw`SELECT 1`);
    await measure('empty Prisma $transaction', () => db.$transaction(async () => undefined));
    printTable(`Ledger operation profile (sequential, N=${N})`, rows);
  } finally {
    await bench.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
