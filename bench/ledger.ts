/**
 * Issue 10, ledger: coupon deductions per second through the engine's ledger
 * operations, against a raw SQL UPDATE of the same row (the ceiling), side by
 * side in one run on one embedded PostgreSQL, both with 10 connections.
 *
 *   npm run bench:ledger   (BENCH_N=2000 BENCH_CONCURRENCY=16,64 BENCH_ROUNDS=3 by default)
 *
 * Deductions per second is a rate at saturation, and the ceiling is the raw statement's
 * best rate: each round runs every path at each concurrency level (callers at once),
 * and the target's ratio is the engine's best rate in the round over its ceiling's best
 * rate in the same round ("peak"). A worker runs up to 100 activities at once (the SDK's
 * default slots), so a busy worker's ledger sees more than 16 callers. With 16 callers
 * the engine's group commit moves as two groups of 8 in lock step, and PostgreSQL and
 * Node wait on each other (bench/RESULTS.md, 2026-12-07 21:00 UTC); with 64 the next groups
 * are queued. Each level's own ratio is printed too. Before 2026-12-07 21:00 UTC every
 * run was at 16 callers alone.
 *
 * N is the operations of each path in a round: 2000 since 2026-12-07 (300 before). On a
 * quick day the raw UPDATE ran 300 in 30 ms, too short a run for a rate (the callers'
 * ramp up and down and one GC pause weighed in it); 2000 keeps every timed run over
 * 150 ms. The fixtures (frozen coupons, accounts) take most of the bench's time.
 *
 * Each round runs every engine path beside its baseline, the engine first in odd
 * rounds and the baseline first in even ones; a ratio is the median of the
 * rounds' ratios (each round's engine against the same round's baseline). A
 * first, unrecorded round warms both sides up.
 *
 * - hot coupon: N pay-as-you-go bills drawing 1.00 each from ONE cash coupon
 *   (every operation queues on that row's lock);
 * - many coupons: N bills, each on its own account's coupon; and N order
 *   deductions (deductCoupon on coupons frozen beforehand, untimed).
 * Every bill's Bill row is opened beforehand (untimed), as the bill workflow does
 * before it draws down: the drawdown then reads the bill's amount and writes its
 * coupon deduction, as in production (before 2026-12-07 17:00 UTC the bench's bills
 * had no row, so their drawdowns skipped both).
 * Each path's ceiling is the raw UPDATE making the same change to the same rows: for a
 * bill, the balance of an available coupon and the bill's coupon deduction, in one
 * statement ("raw UPDATE, coupon and bill"); for an order's deduction, the balance
 * and the unfreezing of a coupon frozen for its order ("raw UPDATE, same row":
 * status and frozenForOrderId change, so, unlike the balance alone, it is not a HOT
 * update and every index of Coupon gets an entry). The balance-only UPDATE ("raw
 * UPDATE"), every path's ceiling in the runs before, is still run and its ratios printed.
 * The engine's operation (activities/ledger/snapshot.ts): one read of its
 * state, the domain's decision in TypeScript, one conditional write that takes
 * the key and row locks, checks the state is unchanged and writes the update,
 * its ledger movement and the idempotency record (else it decides again on the
 * locked rows). The raw statement is only the UPDATE: the ceiling, and the
 * target's yardstick. Beside it, a second baseline, "raw ledger write": one
 * statement doing the same three writes as the engine (the balance-only UPDATE,
 * a movement, an Operation row) with no read, lock, check or decision, so the
 * cost of the writes themselves shows apart from the engine's. And a third, "raw UPDATE,
 * grouped": the same UPDATEs through the engine's group commit
 * (activities/ledger/group-commit.ts), many rows per statement, so the share the
 * grouping itself buys shows too. "ops per write statement" is how many
 * operations shared each of the engine's write statements.
 */
import { Pool } from 'pg';
import { createLedgerActivities } from '../activities/ledger/activities';
import { createStatementGroup } from '../activities/ledger/group-commit';
import { DECIDED_GROUP_LIMITS, groupCommitStats } from '../activities/ledger/snapshot';
import { Dec } from '../domain';
import {
  couponFrozenForOrder,
  createAccount,
  createBills,
  grantCoupon,
  T0,
} from '../test/support/ledger-fixtures';
import { startBenchDatabase } from './lib/database';
import { withCpuSplit, type CpuSplit } from './lib/cpu';
import {
  envIntegers,
  inAlternatingOrder,
  median,
  percentile,
  printTable,
  round as roundTo,
  runConcurrently,
  saveRun,
  type Row,
} from './lib/report';

const N = Number(process.env.BENCH_N ?? 2000);
/** Concurrency levels, callers at once; the first also warms up. */
const LEVELS = envIntegers('BENCH_CONCURRENCY', '16,64');
/** Rounds, alternating which side runs first; the ratio is the median of the rounds'. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const round1 = (value: number) => roundTo(value, 1);
const WARM_UP = 'warm-up';
const noDeduction = (i: number): never => {
  throw new Error(`no frozen coupon for deduction ${i}`);
};
const COMMODITY = 'ecs';
type FrozenCoupon = Awaited<ReturnType<typeof couponFrozenForOrder>>;
/** The deduction's yardstick: the raw UPDATE making the same change to the row. */
const SAME_ROW_UPDATE = 'raw UPDATE, same row';
/** A drawdown's yardstick: the raw UPDATE making the same change to its coupon and its bill. */
const COUPON_AND_BILL_UPDATE = 'raw UPDATE, coupon and bill';
const BILL_AMOUNT = '1.00';

async function main(): Promise<void> {
  const bench = await startBenchDatabase();
  const { db } = bench;
  const ledger = createLedgerActivities(db);
  const raw = new Pool({ connectionString: bench.url, max: 10 });
  raw.on('error', () => undefined); // an idle connection closed by the server's stop
  const rows: Row[] = [];
  const record = (
    round: string,
    concurrency: number,
    scenario: string,
    path: string,
    run: { elapsedMs: number; latencies: number[]; cpu: CpuSplit; callsPerWrite?: number },
  ) => {
    if (round === WARM_UP) return;
    rows.push({
      round,
      scenario,
      path,
      n: N,
      concurrency,
      'ops/s': round1((N / run.elapsedMs) * 1000),
      'p50 ms': roundTo(percentile(run.latencies, 50), 2),
      'p99 ms': roundTo(percentile(run.latencies, 99), 2),
      'node cpu ms/op': roundTo(run.cpu.node, 3),
      'postgres cpu ms/op': run.cpu.postgres === null ? '-' : roundTo(run.cpu.postgres, 3),
      'ops per write statement':
        run.callsPerWrite === undefined ? '-' : roundTo(run.callsPerWrite, 1),
    });
  };
  /** runConcurrently, with the CPU each call cost this process and the database. */
  const timed = (concurrency: number, task: (index: number) => Promise<unknown>) =>
    withCpuSplit(bench.dataDir, N, () => runConcurrently(N, concurrency, task));
  /** timed, with how many operations shared each of the engine's write statements (group commit). */
  const timedEngine = async (concurrency: number, task: (index: number) => Promise<unknown>) => {
    const before = groupCommitStats(db).applies;
    const run = await timed(concurrency, task);
    const after = groupCommitStats(db).applies;
    return {
      ...run,
      callsPerWrite: (after.calls - before.calls) / (after.statements - before.statements),
    };
  };
  // The row update a deduction makes to an order's frozen coupon: the balance moves and the
  // coupon is unfrozen (a change of an indexed column, so not a HOT update), on a coupon of
  // its own frozen the same way. It must find its row: a statement that matches none costs less.
  const rawUnfreezeUpdate = async ({ couponId, orderId, amount }: FrozenCoupon['deduction']) => {
    const { rowCount } = await raw.query(
      `UPDATE "Coupon" SET "balance" = "balance" - $3::numeric, "status" = 'available',
         "frozenForOrderId" = NULL, "updatedAt" = now() AT TIME ZONE 'UTC'
       WHERE "id" = $1 AND "status" = 'frozen' AND "frozenForOrderId" = $2 AND "balance" >= $3::numeric`,
      [couponId, orderId, amount],
    );
    if (rowCount !== 1) throw new Error(`raw unfreeze of ${couponId} updated ${rowCount} rows`);
  };
  // The row updates a drawdown of BILL_AMOUNT from one coupon makes: the coupon's balance
  // and the bill's coupon deduction. It must find both rows.
  const rawCouponAndBillUpdate = async (couponId: string, billId: string) => {
    const { rowCount } = await raw.query(
      `WITH c AS (UPDATE "Coupon" SET "balance" = "balance" - $3::numeric, "updatedAt" = now() AT TIME ZONE 'UTC'
                  WHERE "id" = $1 AND "balance" >= $3::numeric RETURNING "id")
       UPDATE "Bill" SET "couponDeduction" = "couponDeduction" + $3::numeric,
         "updatedAt" = now() AT TIME ZONE 'UTC'
       WHERE "id" = $2 AND EXISTS (SELECT 1 FROM c)`,
      [couponId, billId, BILL_AMOUNT],
    );
    if (rowCount !== 1)
      throw new Error(`raw drawdown of ${couponId} for ${billId} updated nothing`);
  };
  /** N bills' rows, the i-th on accountOf(i), as the bill workflow opens them: their ids. */
  const openBills = (prefix: string, accountOf: (i: number) => string) =>
    createBills(
      db,
      Array.from({ length: N }, (_, i) => ({
        id: `${prefix}-${i}`,
        accountId: accountOf(i),
        commodityCode: COMMODITY,
        amount: BILL_AMOUNT,
      })),
    );
  const rawUpdate = (couponId: string) =>
    raw.query('UPDATE "Coupon" SET "balance" = "balance" - 1 WHERE "id" = $1 AND "balance" >= 1', [
      couponId,
    ]);
  // The same UPDATEs with the engine's group commit: many rows per statement and commit.
  const rawGroupedUpdate = createStatementGroup(
    async (couponIds: string[]) => {
      await raw.query(
        `UPDATE "Coupon" SET "balance" = "balance" - 1
         WHERE "id" = ANY($1::text[]) AND "balance" >= 1`,
        [couponIds],
      );
      return couponIds.map(() => undefined);
    },
    async (couponId: string) => {
      await rawUpdate(couponId);
    },
    DECIDED_GROUP_LIMITS,
  );
  // The engine's writes without its reads and checks; keeps the ledger sums true.
  const rawLedgerWrite = (couponId: string, key: string) =>
    raw.query(
      `WITH c AS (UPDATE "Coupon" SET "balance" = "balance" - 1
                  WHERE "id" = $1 AND "balance" >= 1 RETURNING "id", "balance"),
            m AS (INSERT INTO "CouponMovement"
                    ("couponId", "kind", "balanceDelta", "balanceAfter", "statusAfter", "operationKey")
                  SELECT "id", 'deduct', -1, "balance", 'available', $2 FROM c)
       INSERT INTO "Operation" ("key", "kind", "requestHash", "result")
       SELECT $2, 'rawLedgerWrite', '-', '{}' FROM c`,
      [couponId, key],
    );

  try {
    // --- fixtures, shared by the rounds ------------------------------------------
    const hotAccount = await createAccount(db);
    const hotCoupon = await grantCoupon(db, {
      ownerAccountId: hotAccount,
      faceValue: '1000000.00',
    });
    const rawHotAccount = await createAccount(db);
    const rawHotCoupon = await grantCoupon(db, {
      ownerAccountId: rawHotAccount,
      faceValue: '1000000.00',
    });
    // Many coupons: each bill on its own account's coupon; the raw UPDATE on a second
    // coupon of the same account.
    const accounts: string[] = [];
    const rawCoupons: string[] = [];
    for (let i = 0; i < N; i++) {
      const accountId = await createAccount(db);
      await grantCoupon(db, { ownerAccountId: accountId, faceValue: '100.00' });
      accounts.push(accountId);
      rawCoupons.push(
        await grantCoupon(db, {
          ownerAccountId: accountId,
          faceValue: '100.00',
          expiresAt: '2099-01-01T00:00:00.000Z',
        }),
      );
    }
    // Coupons of their own accounts, so the engine's accounts keep the same coupons.
    const writeCoupons: string[] = [];
    for (let i = 0; i < N; i++) {
      writeCoupons.push(
        await grantCoupon(db, { ownerAccountId: await createAccount(db), faceValue: '100.00' }),
      );
    }
    await rawUpdate(rawHotCoupon); // warm the statements
    await rawLedgerWrite(writeCoupons[0] ?? '', 'bench:raw-write:warm');

    const bill = (billId: string, accountId: string) =>
      ledger.drawDownBill({
        billId,
        accountId,
        commodityCode: COMMODITY,
        amount: BILL_AMOUNT,
        currency: 'USD',
        overdue: false,
        at: T0,
        operationKey: `bench:${billId}`,
      });

    // The coupons the raw statements move without movements: the ledger check leaves them out.
    const rawMovedCoupons = new Set([rawHotCoupon, ...rawCoupons]);
    // Round 0 warms both sides up (JIT, plans, caches) at the first level and is not recorded.
    let hotRuns = 0;
    for (let r = 0; r <= ROUNDS; r++) {
      const round = r === 0 ? WARM_UP : `${r}/${ROUNDS}`;
      for (const concurrency of r === 0 ? LEVELS.slice(0, 1) : LEVELS) {
        const run = `${r}-${concurrency}`;
        // Bills drawn on need their rows, as the bill workflow opens them (untimed).
        const hotBills = await openBills(`bill-hot-${run}`, () => hotAccount);
        const manyBills = await openBills(`bill-many-${run}`, (i) => accounts[i] ?? '');
        const rawHotBills = await openBills(`raw-bill-hot-${run}`, () => rawHotAccount);
        const rawManyBills = await openBills(`raw-bill-many-${run}`, (i) => accounts[i] ?? '');
        // Order deductions need coupons frozen for their orders beforehand (untimed).
        const frozen: FrozenCoupon[] = [];
        const rawFrozen: FrozenCoupon[] = [];
        for (let i = 0; i < N; i++) {
          frozen.push(await couponFrozenForOrder(db, ledger));
          const own = await couponFrozenForOrder(db, ledger);
          rawFrozen.push(own);
          rawMovedCoupons.add(own.couponId);
        }

        // One path timed at this level, and recorded for this round.
        type Task = (index: number) => Promise<unknown>;
        const measure = async (scenario: string, path: string, task: Task) =>
          record(round, concurrency, scenario, path, await timed(concurrency, task));
        const measureEngine = async (scenario: string, path: string, task: Task) =>
          record(round, concurrency, scenario, path, await timedEngine(concurrency, task));

        await inAlternatingOrder(r, [
          () =>
            measureEngine('hot coupon', 'engine drawDownBill', (i) =>
              bill(hotBills[i] ?? '', hotAccount),
            ),
          () =>
            measure('hot coupon', COUPON_AND_BILL_UPDATE, (i) =>
              rawCouponAndBillUpdate(rawHotCoupon, rawHotBills[i] ?? ''),
            ),
        ]);
        hotRuns++;
        await inAlternatingOrder(r, [
          () =>
            measureEngine('many coupons', 'engine drawDownBill', (i) =>
              bill(manyBills[i] ?? '', accounts[i] ?? ''),
            ),
          async () => {
            await measure('many coupons', COUPON_AND_BILL_UPDATE, (i) =>
              rawCouponAndBillUpdate(rawCoupons[i] ?? '', rawManyBills[i] ?? ''),
            );
            await measure('many coupons', 'raw UPDATE', (i) => rawUpdate(rawCoupons[i] ?? ''));
          },
        ]);
        await inAlternatingOrder(r, [
          () =>
            measureEngine('many coupons', 'engine deductCoupon', (i) =>
              ledger.deductCoupon(frozen[i]?.deduction ?? noDeduction(i)),
            ),
          async () => {
            await measure('many coupons', SAME_ROW_UPDATE, (i) =>
              rawUnfreezeUpdate((rawFrozen[i] ?? noDeduction(i)).deduction),
            );
            await measure('many coupons', 'raw ledger write', (i) =>
              rawLedgerWrite(writeCoupons[i] ?? '', `bench:raw-write:${run}:${i}`),
            );
            await measure('many coupons', 'raw UPDATE, grouped', (i) =>
              rawGroupedUpdate.run(rawCoupons[i] ?? ''),
            );
          },
        ]);
      }
    }

    const left = await db.coupon.findUniqueOrThrow({ where: { id: hotCoupon } });
    const expected = new Dec(1_000_000).minus(new Dec(BILL_AMOUNT).times(N * hotRuns));
    if (!expected.equals(left.balance.toString())) {
      throw new Error(
        `hot coupon balance ${left.balance.toString()}, expected ${expected.toString()}`,
      );
    }
    const consistency = await ledger.checkLedgerConsistency();
    // The raw updates bypass the ledger on purpose: only engine coupons must agree.
    const engineDrift = consistency.coupons.filter((c) => !rawMovedCoupons.has(c.couponId));
    if (engineDrift.length > 0)
      throw new Error(`ledger drift on engine coupons: ${JSON.stringify(engineDrift)}`);

    /**
     * engine / baseline ops/s in % for each round, and their median: each side's best rate
     * in the round over the given levels (all of them: the peak, the target's ratio).
     */
    const ratios = (
      scenario: string,
      engine: string,
      baseline = 'raw UPDATE',
      levels: readonly number[] = LEVELS,
    ) => {
      const opsOf = (path: string, r: string) =>
        Math.max(
          ...levels.map((concurrency) =>
            Number(
              rows.find(
                (row) =>
                  row.round === r &&
                  row.concurrency === concurrency &&
                  row.scenario === scenario &&
                  row.path === path,
              )?.['ops/s'] ?? 0,
            ),
          ),
        );
      const byRound = Array.from({ length: ROUNDS }, (_, r) => {
        const at = `${r + 1}/${ROUNDS}`;
        return (opsOf(engine, at) / opsOf(baseline, at)) * 100;
      });
      return {
        byRound: byRound.map((x) => round1(x)).join(' / '),
        median: round1(median(byRound)),
      };
    };
    // Each engine path against the raw UPDATE making the same change to the same rows: a
    // bill's drawdown moves an available coupon's balance and the bill's coupon deduction;
    // an order's deduction moves its coupon's balance and unfreezes it. The target's ratio
    // is the peak's; each level's median beside it.
    const summary: Row[] = [
      ['hot coupon', 'engine drawDownBill', COUPON_AND_BILL_UPDATE, '-'],
      ['many coupons', 'engine drawDownBill', COUPON_AND_BILL_UPDATE, '>= 50%'],
      ['many coupons', 'engine deductCoupon', SAME_ROW_UPDATE, '>= 50%'],
    ].map(([scenario = '', path = '', baseline = '', target = '']) => {
      const r = ratios(scenario, path, baseline);
      const byLevel = Object.fromEntries(
        LEVELS.map((c) => [
          `median at ${c} callers %`,
          ratios(scenario, path, baseline, [c]).median,
        ]),
      );
      return {
        scenario,
        engine: path.replace('engine ', ''),
        'raw ceiling': baseline,
        'peak engine / peak raw % by round': r.byRound,
        'median peak engine / peak raw %': r.median,
        ...byLevel,
        target,
      };
    });
    // Other baselines, not the target's (peak against peak): the same writes as the
    // engine and nothing else; and the raw UPDATE with the engine's group commit.
    const againstWrites: Row[] = ['engine drawDownBill', 'engine deductCoupon'].map((path) => ({
      scenario: 'many coupons',
      engine: path.replace('engine ', ''),
      'median engine / raw ledger write %': ratios('many coupons', path, 'raw ledger write').median,
      'median engine / raw UPDATE, grouped %': ratios('many coupons', path, 'raw UPDATE, grouped')
        .median,
      // Against the balance-only UPDATE, both paths' ceiling in the runs before 2026-12-01
      // 21:30 UTC (the deduction's) and 2026-12-07 17:00 UTC (the drawdown's).
      'median engine / raw UPDATE (balance only) %': ratios('many coupons', path).median,
    }));
    printTable(
      `Ledger deductions (N=${N}, concurrency ${LEVELS.join(' and ')}, ${ROUNDS} rounds)`,
      rows,
    );
    printTable('Engine as a share of the raw ceiling (same round, peak against peak)', summary);
    printTable('Engine as a share of the other baselines', againstWrites);
    console.log(
      `\nresults appended to ${await saveRun('ledger', { runs: rows, summary, againstWrites })}`,
    );
  } finally {
    await raw.end();
    await bench.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
