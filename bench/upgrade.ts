/**
 * Issue 10, step latency and memory: each trial-upgrade Update round trip
 * (client call to result, through the worker and its activities), against an
 * Update that does nothing on a bare workflow, side by side on one dev server;
 * then the worker's resident memory with 1000 upgrades open.
 *
 *   npm run bench:upgrade     (BENCH_ACCOUNTS=60 BENCH_CONCURRENCY=10 BENCH_OPEN=1000 BENCH_ROUNDS=3;
 *                              WORKER_MAX_CACHED_WORKFLOWS bounds the worker's cache)
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
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
import { createBillingWorker } from '../worker/worker';
import { startBenchDatabase } from './lib/database';
import { percentile, printTable, round, runConcurrently, saveRun, type Row } from './lib/report';
import { trialUpgradeWorkflowId } from '../workflows/ids';
import { profileHistory } from '../test/support/history';
import { historyTimeline } from './lib/history';
import { bareUpdates, finishSignal, noopUpdate } from './workflows/bare';

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 60);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
const OPEN = Number(process.env.BENCH_OPEN ?? 1000);
/** Rounds of ACCOUNTS upgrades and as many bare updates, alternating which runs first. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
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
  const nativeConnection = await NativeConnection.connect({ address: temporal.address });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  const taskQueue = `bench-${randomUUID()}`;
  const engineWorker = await createBillingWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    db: bench.db,
    ...(process.env.WORKER_MAX_CACHED_WORKFLOWS
      ? { maxCachedWorkflows: Number(process.env.WORKER_MAX_CACHED_WORKFLOWS) }
      : {}),
  });
  const bareQueue = `${taskQueue}-bare`;
  const bareWorker = await Worker.create({
    connection: nativeConnection,
    taskQueue: bareQueue,
    workflowsPath: require.resolve('./workflows/bare'),
    activities: { noop: async () => undefined },
  });
  const ctx: UpgradeClientContext = { client, taskQueue };
  const rows: Row[] = [];
  const memory: Row[] = [];
  const profile: Row[] = [];
  const timeline: Row[] = [];

  const readCode = async (phone: string): Promise<string> => {
    const message = await bench.db.devOutboxMessage.findFirstOrThrow({
      where: { phoneE164: phone },
      orderBy: { id: 'desc' },
    });
    return (/code is ([\d ]+)\./.exec(message.body)?.[1] ?? '').replace(/ /g, '');
  };

  await Promise.all([
    engineWorker.runUntil(async () => {
      await bareWorker.runUntil(async () => {
        // --- step latency ------------------------------------------------------
        const latencies = new Map<string, number[]>(STEPS.map((s) => [s, []]));
        const timed = async <T>(
          step: (typeof STEPS)[number],
          call: () => Promise<T>,
        ): Promise<T> => {
          const t0 = performance.now();
          const result = await call();
          latencies.get(step)?.push(performance.now() - t0);
          return result;
        };
        let probeAccount = '';
        let accountCount = 0;
        const runEngine = () =>
          runConcurrently(ACCOUNTS, CONCURRENCY, async () => {
            const i = accountCount++;
            const { accountId } = await createTrialAccount(ctx, {
              displayName: `bench ${i}`,
              email: `b${i}@example.test`,
            });
            const phone = `+81901${String(i).padStart(7, '0')}`;
            await timed('submitPhone', () =>
              submitPhone(ctx, { accountId, phone, channel: 'sms' }),
            );
            const code = await readCode(phone);
            await timed('verifyCode', () => verifyCode(ctx, { accountId, code }));
            await timed('companyAddress', () =>
              submitCompanyAddress(ctx, { accountId, address: ADDRESS }),
            );
            await timed('billingAddress', () =>
              submitBillingAddress(ctx, { accountId, sameAsCompany: true }),
            );
            await timed('paymentMethod', () =>
              submitPaymentMethod(ctx, { accountId, method: CARD }),
            );
            await timed('confirm', () => confirmUpgrade(ctx, { accountId }));
            if (i === 0) probeAccount = accountId;
          });

        const bareCount = ACCOUNTS * STEPS.length;
        const bareLatencies: number[] = [];
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
        const runBare = async () => {
          const bare = await runConcurrently(
            bareCount,
            CONCURRENCY,
            (i) =>
              bareHandles[i % CONCURRENCY]?.executeUpdate(noopUpdate, { args: ['x'] }) ??
              Promise.resolve(),
          );
          bareLatencies.push(...bare.latencies);
        };
        // Rounds alternate which side runs first, so drift of the shared machine does not
        // favour one side; every round's samples are pooled (ROUNDS x ACCOUNTS per step).
        for (let r = 1; r <= ROUNDS; r++) {
          if (r % 2 === 1) {
            await runEngine();
            await runBare();
          } else {
            await runBare();
            await runEngine();
          }
        }
        const probeHistory = await client.workflow
          .getHandle(trialUpgradeWorkflowId(probeAccount))
          .fetchHistory();
        profile.push({ workflow: 'engine upgrade', ...profileHistory(probeHistory) });
        timeline.push(...historyTimeline(probeHistory));
        await Promise.all(bareHandles.map((h) => h.signal(finishSignal)));
        const bareHistory = await bareHandles[0]?.fetchHistory();
        if (bareHistory) profile.push({ workflow: 'bare updates', ...profileHistory(bareHistory) });
        const bareP50 = percentile(bareLatencies, 50);
        const bareP99 = percentile(bareLatencies, 99);
        rows.push({
          update: 'bare noop (baseline)',
          n: bareLatencies.length,
          'p50 ms': round(bareP50, 2),
          'p99 ms': round(bareP99, 2),
          'p99 / bare p99': 1,
          target: '-',
        });
        for (const step of STEPS) {
          const values = latencies.get(step) ?? [];
          const p99 = percentile(values, 99);
          rows.push({
            update: step,
            n: values.length,
            'p50 ms': round(percentile(values, 50), 2),
            'p99 ms': round(p99, 2),
            'p99 / bare p99': round(p99 / bareP99, 2),
            target: '<= 2',
          });
        }

        // --- memory with OPEN upgrades waiting -----------------------------------
        global.gc?.();
        const before = process.memoryUsage().rss;
        await runConcurrently(OPEN, 50, (i) =>
          createTrialAccount(ctx, { displayName: `open ${i}`, email: `o${i}@example.test` }),
        );
        global.gc?.();
        const after = process.memoryUsage().rss;
        memory.push({
          'open upgrades': OPEN,
          'rss before MiB': round(before / 2 ** 20),
          'rss after MiB': round(after / 2 ** 20),
          'KiB per open workflow': round((after - before) / 1024 / OPEN),
        });
      });
    }),
  ]);

  printTable(
    `Trial-upgrade update round trips (${ROUNDS} rounds of ${ACCOUNTS} accounts, concurrency ${CONCURRENCY})`,
    rows,
  );
  printTable('Worker process memory (worker, client and database pool in one process)', memory);
  printTable(
    'Round trips in one history (the upgrade: every step; bare: its share of updates)',
    profile,
  );
  printTable('One upgrade, event by event (ms from the start)', timeline);
  console.log(
    `\nresults appended to ${await saveRun('upgrade', { steps: rows, memory, profile, timeline })}`,
  );
  await connection.close();
  await nativeConnection.close();
  await temporal.stop();
  await bench.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
