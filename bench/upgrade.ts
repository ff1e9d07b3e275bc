/**
 * Issue 10, step latency and memory: each trial-upgrade Update round trip
 * (client call to result, through the worker and its activities), against an
 * Update that does nothing on a bare workflow, side by side on one dev server;
 * then the worker's resident memory with 1000 upgrades open. The workers run in a
 * process of their own (bench/lib/bench-workers.ts), as deployed: the bench's
 * client (a signup service's calls, the card's tokenizing, reading each code from
 * the outbox) does not share their event loop.
 *
 * Beside the target's baseline, two floors: a bare Update whose handler awaits
 * one no-op local activity, the floor of a step that writes (the SDK's own cost
 * of a local activity: a second activation and the activity's dispatch), and the
 * same with one search-attribute upsert, the floor of a step that writes and
 * records its stage for ops to search by (a history event and a visibility write
 * on the server). And the CPU each side cost the worker process, the Temporal
 * server and PostgreSQL, per update: on a machine this small every component
 * shares the same cores, so the latency ratio follows the CPU ratio.
 *
 *   npm run bench:upgrade     (BENCH_ACCOUNTS=60 BENCH_CONCURRENCY=10 BENCH_OPEN=1000 BENCH_ROUNDS=5;
 *                              WORKER_MAX_CACHED_WORKFLOWS bounds the worker's cache)
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import {
  confirmUpgrade,
  createTrialAccount,
  submitBillingAddress,
  submitCompanyAddress,
  submitPaymentMethod,
  submitPhone,
  verifyCode,
  type UpgradeClientContext,
} from '../client/trial-upgrade';
import { startTemporalDevServer } from '../scripts/lib/temporal-dev-server';
import { startBenchDatabase } from './lib/database';
import {
  bootstrapRatioInterval,
  inAlternatingOrder,
  percentile,
  printTable,
  round,
  runConcurrently,
  saveRun,
  type Row,
} from './lib/report';
import { trialUpgradeWorkflowId } from '../workflows/ids';
import { profileHistory } from '../test/support/history';
import { historyTimeline } from './lib/history';
import { startBenchWorkers } from './lib/bench-workers';
import { postgresCpuMs, processCpuMs } from './lib/cpu';
import {
  bareUpdates,
  finishSignal,
  noopLocalActivityUpdate,
  noopStageUpdate,
  noopUpdate,
} from './workflows/bare';

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 60);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
const OPEN = Number(process.env.BENCH_OPEN ?? 1000);
/** Upgrades opened in the memory phase's workers before its baseline is read. */
const MEMORY_WARM_UP = 20;
/** Rounds of ACCOUNTS upgrades and as many bare updates, alternating which runs first. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ADDRESS = { country: 'JP', line1: '1-2-3 Marunouchi', city: 'Tokyo', postalCode: '100-0005' };
const CARD = {
  type: 'card' as const,
  number: '4242424242424242',
  expMonth: 12,
  expYear: new Date().getUTCFullYear() + 3,
  cvc: '314',
  holderName: 'Bench',
};
const STEPS = [
  'submitPhone',
  'verifyCode',
  'companyAddress',
  'billingAddress',
  'paymentMethod',
  'confirm',
] as const;

async function main(): Promise<void> {
  const [bench, temporal] = await Promise.all([
    startBenchDatabase(),
    startTemporalDevServer({
      port: Number(process.env.BENCH_TEMPORAL_PORT ?? 17999),
      uiPort: null,
      dbFile: null,
    }),
  ]);
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  const taskQueue = `bench-${randomUUID()}`;
  const workersOptions = {
    temporalAddress: temporal.address,
    databaseUrl: bench.url,
    taskQueue,
    ...(process.env.WORKER_MAX_CACHED_WORKFLOWS
      ? { maxCachedWorkflows: Number(process.env.WORKER_MAX_CACHED_WORKFLOWS) }
      : {}),
  };
  let workers = await startBenchWorkers(workersOptions);
  const bareQueue = `${taskQueue}-bare`;
  const ctx: UpgradeClientContext = { client, taskQueue };
  const rows: Row[] = [];
  const memory: Row[] = [];
  const profile: Row[] = [];
  const timeline: Row[] = [];
  const cpu: Row[] = [];
  /** CPU ms so far of the workers' process, this one (the client), the Temporal server and PostgreSQL. */
  const cpuNow = () => {
    const own = process.cpuUsage();
    return {
      worker: processCpuMs(workers.pid),
      client: (own.user + own.system) / 1000,
      server: temporal.process.pid === undefined ? null : processCpuMs(temporal.process.pid),
      postgres: postgresCpuMs(bench.dataDir),
    };
  };
  type CpuTotals = {
    worker: number | null;
    client: number;
    server: number | null;
    postgres: number | null;
    updates: number;
  };
  const cpuTotals = new Map<string, CpuTotals>();
  /** Runs `work` (`updates` round trips) and adds what it cost to `side`'s CPU totals. */
  const withCpu = async (side: string, updates: number, work: () => Promise<unknown>) => {
    const t0 = cpuNow();
    await work();
    const t1 = cpuNow();
    const sum = cpuTotals.get(side) ?? {
      worker: 0,
      client: 0,
      server: 0,
      postgres: 0,
      updates: 0,
    };
    const add = (a: number | null, b: number | null, c: number | null) =>
      a === null || b === null || c === null ? null : a + c - b;
    cpuTotals.set(side, {
      worker: add(sum.worker, t0.worker, t1.worker),
      client: sum.client + t1.client - t0.client,
      server: add(sum.server, t0.server, t1.server),
      postgres: add(sum.postgres, t0.postgres, t1.postgres),
      updates: sum.updates + updates,
    });
  };

  const readCode = async (phone: string): Promise<string> => {
    const message = await bench.db.devOutboxMessage.findFirstOrThrow({
      where: { phoneE164: phone },
      orderBy: { id: 'desc' },
    });
    return (/code is ([\d ]+)\./.exec(message.body)?.[1] ?? '').replace(/ /g, '');
  };

  // --- step latency ------------------------------------------------------
  const latencies = new Map<string, number[]>(STEPS.map((s) => [s, []]));
  const timed = async <T>(step: (typeof STEPS)[number], call: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const result = await call();
    latencies.get(step)?.push(performance.now() - t0);
    return result;
  };
  let probeAccount = '';
  let accountCount = 0;
  const runEngine = () =>
    withCpu('engine upgrade steps (start and end included)', ACCOUNTS * STEPS.length, () =>
      runConcurrently(ACCOUNTS, CONCURRENCY, async () => {
        const i = accountCount++;
        const { accountId } = await createTrialAccount(ctx, {
          displayName: `bench ${i}`,
          email: `b${i}@example.test`,
        });
        const phone = `+81901${String(i).padStart(7, '0')}`;
        await timed('submitPhone', () => submitPhone(ctx, { accountId, phone, channel: 'sms' }));
        const code = await readCode(phone);
        await timed('verifyCode', () => verifyCode(ctx, { accountId, code }));
        await timed('companyAddress', () =>
          submitCompanyAddress(ctx, { accountId, address: ADDRESS }),
        );
        await timed('billingAddress', () =>
          submitBillingAddress(ctx, { accountId, sameAsCompany: true }),
        );
        await timed('paymentMethod', () => submitPaymentMethod(ctx, { accountId, method: CARD }));
        await timed('confirm', () => confirmUpgrade(ctx, { accountId }));
        if (i === 0) probeAccount = accountId;
      }),
    );

  const bareCount = ACCOUNTS * STEPS.length;
  const bareLatencies: number[] = [];
  const bareLocalLatencies: number[] = [];
  const bareStageLatencies: number[] = [];
  const bareHandles = await Promise.all(
    Array.from({ length: CONCURRENCY }, (_, i) =>
      client.workflow.start(bareUpdates, {
        taskQueue: bareQueue,
        workflowId: `bare-${taskQueue}-${i}`,
      }),
    ),
  );
  // Warm, like the engine's upgrades, whose first task ends before their first step.
  await Promise.all(bareHandles.map((h) => h.executeUpdate(noopUpdate, { args: ['warm'] })));
  const runBareUpdates = async (update: typeof noopUpdate, into: number[]) => {
    const bare = await runConcurrently(
      bareCount,
      CONCURRENCY,
      (i) =>
        bareHandles[i % CONCURRENCY]?.executeUpdate(update, { args: ['x'] }) ?? Promise.resolve(),
    );
    into.push(...bare.latencies);
  };
  const runBare = async () => {
    await withCpu('bare no-op update', bareCount, () => runBareUpdates(noopUpdate, bareLatencies));
    await withCpu('bare update with a no-op local activity', bareCount, () =>
      runBareUpdates(noopLocalActivityUpdate, bareLocalLatencies),
    );
    await withCpu('bare update with a local activity and a stage upsert', bareCount, () =>
      runBareUpdates(noopStageUpdate, bareStageLatencies),
    );
  };
  // Every round's samples are pooled (ROUNDS x ACCOUNTS per step).
  for (let r = 1; r <= ROUNDS; r++) await inAlternatingOrder(r, [runEngine, runBare]);
  const probeHistory = await client.workflow
    .getHandle(trialUpgradeWorkflowId(probeAccount))
    .fetchHistory();
  profile.push({ workflow: 'engine upgrade', ...profileHistory(probeHistory) });
  timeline.push(...historyTimeline(probeHistory));
  await Promise.all(bareHandles.map((h) => h.signal(finishSignal)));
  const bareHistory = await bareHandles[0]?.fetchHistory();
  if (bareHistory) profile.push({ workflow: 'bare updates', ...profileHistory(bareHistory) });
  const bareP99 = percentile(bareLatencies, 99);
  const floorP99 = percentile(bareStageLatencies, 99);
  const row = (update: string, values: number[], target: string): Row => {
    const p99 = percentile(values, 99);
    return {
      update,
      n: values.length,
      'p50 ms': round(percentile(values, 50), 2),
      'p99 ms': round(p99, 2),
      'p99 / bare p99': round(p99 / bareP99, 2),
      // How far the samples' own noise moves that ratio (bootstrap, 95 %).
      'its 95 % interval': bootstrapRatioInterval(values, bareLatencies, 99)
        .map((x) => round(x, 2))
        .join(' - '),
      'p99 / step floor p99': round(p99 / floorP99, 2),
      target,
    };
  };
  rows.push(row('bare noop (baseline)', bareLatencies, '-'));
  rows.push(row('bare + no-op local activity', bareLocalLatencies, '-'));
  rows.push(row('bare + local activity + stage (step floor)', bareStageLatencies, '-'));
  for (const step of STEPS) rows.push(row(step, latencies.get(step) ?? [], '<= 2'));
  // --- memory with OPEN upgrades waiting -----------------------------------
  // In a workers' process of its own: the one above still holds the step rounds' garbage
  // in its workflow threads' heaps (a GC request reaches only the main thread's), and as
  // those heaps shrank the difference came out below zero (2026-12-07). Warmed up with a
  // few upgrades first, so the bundle, the threads and the pool are in the baseline.
  await workers.stop();
  workers = await startBenchWorkers(workersOptions);
  await runConcurrently(MEMORY_WARM_UP, 10, (i) =>
    createTrialAccount(ctx, { displayName: `warm ${i}`, email: `w${i}@example.test` }),
  );
  const before = await workers.rss();
  // Its CPU too: what an upgrade's start (a new workflow, its account recorded) costs,
  // the share of each engine step above that is not the step's own.
  await withCpu('upgrade start only (per upgrade, no steps)', OPEN, () =>
    runConcurrently(OPEN, 50, (i) =>
      createTrialAccount(ctx, { displayName: `open ${i}`, email: `o${i}@example.test` }),
    ),
  );
  const after = await workers.rss();
  memory.push({
    'open upgrades': OPEN,
    'rss before MiB': round(before / 2 ** 20),
    'rss after MiB': round(after / 2 ** 20),
    'KiB per open workflow': round((after - before) / 1024 / OPEN),
  });
  for (const [side, t] of cpuTotals) {
    // A PostgreSQL backend that exits (an idle pooled connection) takes its CPU with it,
    // so a side that barely touches the database can come out a little below zero.
    const per = (ms: number | null) => (ms === null ? '-' : round(Math.max(0, ms) / t.updates, 2));
    const parts = [t.worker, t.client, t.server, t.postgres];
    cpu.push({
      side,
      'updates (or starts)': t.updates,
      'worker process ms/update': per(t.worker),
      'client ms/update': per(t.client),
      'temporal server ms/update': per(t.server),
      'postgres ms/update': per(t.postgres),
      'total ms/update': parts.some((x) => x === null)
        ? '-'
        : round(parts.reduce<number>((a, x) => a + Math.max(0, x ?? 0), 0) / t.updates, 2),
    });
  }

  printTable(
    `Trial-upgrade update round trips (${ROUNDS} rounds of ${ACCOUNTS} accounts, concurrency ${CONCURRENCY})`,
    rows,
  );
  printTable('CPU per update round trip, by process', cpu);
  printTable(
    'Worker process memory (the engine and bare workers, and their database pool)',
    memory,
  );
  printTable(
    'Round trips in one history (the upgrade: every step; bare: its share of updates)',
    profile,
  );
  printTable('One upgrade, event by event (ms from the start)', timeline);
  console.log(
    `\nresults appended to ${await saveRun('upgrade', { steps: rows, cpu, memory, profile, timeline })}`,
  );
  await connection.close();
  await workers.stop();
  await temporal.stop();
  await bench.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
