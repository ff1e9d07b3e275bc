/**
 * Issue 10, order throughput and latency: N concurrent order lifecycles
 * (create with a cash coupon → frozen, pay → charged and deducted, provisioned →
 * active) end to end on one dev server and PostgreSQL, against a bare workflow
 * running the same number of no-op activities on the same server, side by side
 * (and a second bare workflow with the engine's own mix of activity tasks and
 * local activities). First it profiles one order's history: its round trips.
 *
 *   npm run bench:orders      (BENCH_LEVELS=10,100,1000 BENCH_CONCURRENCY=50; BENCH_ROUNDS:
 *                              rounds per level, alternating which side runs first; the
 *                              ratio reported is their median)
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createOrder, payOrder } from '../client/orders';
import { createDevPaymentGateway } from '../activities/payment/dev-gateway';
import { createPaymentActivities } from '../activities/payment/activities';
import { startTemporalDevServer } from '../scripts/lib/temporal-dev-server';
import { createBillingWorker } from '../worker/worker';
import { orderWorkflowId } from '../workflows/ids';
import { createAccount, grantCoupon } from '../test/support/ledger-fixtures';
import { startBenchDatabase } from './lib/database';
import {
  envIntegers,
  inAlternatingOrder,
  median,
  percentile,
  printTable,
  round,
  runConcurrently,
  saveRun,
  type Row,
} from './lib/report';
import { activityRuns, profileHistory } from '../test/support/history';
import { historyTimeline } from './lib/history';
import { bareActivities, bareMixedActivities } from './workflows/bare';

const LEVELS = envIntegers('BENCH_LEVELS', '10,100,1000');
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
/** Rounds per level (BENCH_ROUNDS); by default 3, and 1 from n=1000 (a round there takes minutes). */
const roundsFor = (n: number): number =>
  process.env.BENCH_ROUNDS ? Number(process.env.BENCH_ROUNDS) : n >= 1000 ? 1 : 3;

async function main(): Promise<void> {
  const [bench, temporal] = await Promise.all([
    startBenchDatabase(),
    startTemporalDevServer({
      port: Number(process.env.BENCH_TEMPORAL_PORT ?? 17998),
      uiPort: null,
      dbFile: null,
    }),
  ]);
  const { db } = bench;
  const nativeConnection = await NativeConnection.connect({ address: temporal.address });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  const taskQueue = `bench-${randomUUID()}`;
  const gateway = createDevPaymentGateway();
  const ctx = { client, taskQueue, paymentGateway: gateway };
  const engineWorker = await createBillingWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    db,
  });
  const bareQueue = `${taskQueue}-bare`;
  const bareWorker = await Worker.create({
    connection: nativeConnection,
    taskQueue: bareQueue,
    workflowsPath: require.resolve('./workflows/bare'),
    activities: { noop: async () => undefined },
  });
  const payments = createPaymentActivities(db, { gateway });

  /** An upgraded account with a default card and a cash coupon, ready to order. */
  const prepareAccount = async (): Promise<{ accountId: string; couponId: string }> => {
    const accountId = await createAccount(db, { status: 'upgraded' });
    const method = await gateway.tokenize(
      {
        type: 'card',
        number: '4242424242424242',
        expMonth: 12,
        expYear: 2035,
        cvc: '123',
        holderName: 'Bench',
      },
      `bench:${accountId}:card`,
    );
    await payments.recordPaymentMethod({
      accountId,
      method,
      operationKey: `bench:${accountId}:method`,
    });
    const now = Date.now();
    const couponId = await grantCoupon(db, {
      ownerAccountId: accountId,
      faceValue: '30.00',
      effectiveAt: new Date(now - 86_400_000).toISOString(),
      expiresAt: new Date(now + 30 * 86_400_000).toISOString(),
    });
    return { accountId, couponId };
  };

  const lifecycle = async (account: { accountId: string; couponId: string }): Promise<string> => {
    const { orderId } = await createOrder(ctx, {
      accountId: account.accountId,
      commodityCode: 'ecs',
      orderType: 'new_purchase',
      amount: '100.00',
      currency: 'USD',
      durationMonths: 1,
      couponId: account.couponId,
    });
    // One update that returns once provisioning has ended (no polling of the state).
    const { stage } = await payOrder(ctx, { orderId, returnWhen: 'provisioned' });
    if (stage !== 'active') throw new Error(`order ${orderId} ended in ${stage}`);
    return orderId;
  };

  const rows: Row[] = [];
  const summary: Row[] = [];
  const profile: Row[] = [];
  let timeline: Row[] = [];
  await engineWorker.runUntil(() =>
    bareWorker.runUntil(async () => {
      // How many activities one lifecycle runs (activity tasks and local activities alike):
      // the bare workflow runs as many, every one an activity task (the baseline).
      const probe = await lifecycle(await prepareAccount());
      const history = await client.workflow.getHandle(orderWorkflowId(probe)).fetchHistory();
      const runs = activityRuns(history);
      const activities = runs.length;
      const localActivities = runs.filter((r) => r.local).length;
      const bareProbeId = `bare-${randomUUID()}-probe`;
      await client.workflow.execute(bareActivities, {
        taskQueue: bareQueue,
        workflowId: bareProbeId,
        args: [activities],
      });
      const bareHistory = await client.workflow.getHandle(bareProbeId).fetchHistory();
      profile.push(
        { workflow: 'engine order', 'client calls': 2, ...profileHistory(history) },
        { workflow: 'bare', 'client calls': 2, ...profileHistory(bareHistory) },
      );
      timeline = historyTimeline(history);

      for (const n of LEVELS) {
        const rounds = roundsFor(n);
        const ratios: number[] = [];
        const sameMixRatios: number[] = [];
        for (let r = 1; r <= rounds; r++) {
          const accounts: { accountId: string; couponId: string }[] = [];
          for (let i = 0; i < n; i++) accounts.push(await prepareAccount());
          const runEngine = () =>
            runConcurrently(n, CONCURRENCY, (i) =>
              lifecycle(accounts[i] as { accountId: string; couponId: string }),
            );
          const runBare = () =>
            runConcurrently(n, CONCURRENCY, (i) =>
              client.workflow.execute(bareActivities, {
                taskQueue: bareQueue,
                workflowId: `bare-${randomUUID()}-${i}`,
                args: [activities],
              }),
            );
          // A stricter second baseline: the same mix of activity tasks and local activities.
          const runSameMix = () =>
            runConcurrently(n, CONCURRENCY, (i) =>
              client.workflow.execute(bareMixedActivities, {
                taskQueue: bareQueue,
                workflowId: `bare-mix-${randomUUID()}-${i}`,
                args: [activities - localActivities, localActivities],
              }),
            );
          const [engine, bare, sameMix] = await inAlternatingOrder(r, [
            runEngine,
            runBare,
            runSameMix,
          ]);
          const deducted = await db.couponMovement.count({
            where: { kind: 'deduct', couponId: { in: accounts.map((a) => a.couponId) } },
          });
          if (deducted !== n) throw new Error(`expected ${n} deductions, found ${deducted}`);
          const ratio = engine.elapsedMs / bare.elapsedMs;
          const sameMixRatio = engine.elapsedMs / sameMix.elapsedMs;
          ratios.push(ratio);
          sameMixRatios.push(sameMixRatio);
          rows.push({
            n,
            round: `${r}/${rounds}${r % 2 === 1 ? ' engine first' : ' bare first'}`,
            concurrency: CONCURRENCY,
            'activities each': activities,
            'of them local': localActivities,
            'engine orders/s': round((n / engine.elapsedMs) * 1000),
            'bare wf/s': round((n / bare.elapsedMs) * 1000),
            'engine p50 ms': round(percentile(engine.latencies, 50)),
            'engine p95 ms': round(percentile(engine.latencies, 95)),
            'engine p99 ms': round(percentile(engine.latencies, 99)),
            'bare p50 ms': round(percentile(bare.latencies, 50)),
            'bare p99 ms': round(percentile(bare.latencies, 99)),
            'time ratio': round(ratio, 2),
            'same-mix bare wf/s': round((n / sameMix.elapsedMs) * 1000),
            'same-mix bare p50 ms': round(percentile(sameMix.latencies, 50)),
            'ratio to same-mix bare': round(sameMixRatio, 2),
          });
        }
        summary.push({
          n,
          rounds,
          'time ratio by round': ratios.map((x) => round(x, 2)).join(' / '),
          'median time ratio': round(median(ratios), 2),
          target: '<= 1.5',
          'median ratio to same-mix bare': round(median(sameMixRatios), 2),
        });
      }
    }),
  );
  printTable('One lifecycle: round trips in its history', profile);
  printTable('One order, event by event (ms from the start)', timeline);
  printTable(`Order lifecycles against a bare workflow with as many no-op activities`, rows);
  printTable('Time ratio (engine / bare), median of the rounds', summary);
  console.log(
    `\nresults appended to ${await saveRun('orders', { orders: rows, summary, profile, timeline })}`,
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
