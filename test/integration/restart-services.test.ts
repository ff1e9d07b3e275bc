/**
 * Issue 9, restarts of the services themselves, on servers of this file's own
 * (not the shared ones of the global setup):
 * - the Temporal dev server stopped and started again on its persisted SQLite
 *   file in the middle of an order: the order goes on where it was;
 * - PostgreSQL (embedded, persistent data dir) stopped and started again while
 *   an order is being paid and a bill is being settled: activities fail while it
 *   is down, retry, and every charge and ledger movement still happens once.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { Client as PgClient } from 'pg';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createDatabase, type Database } from '../../activities/database';
import { checkLedgerConsistency } from '../../activities/ledger/consistency';
import {
  createOrder,
  getOrderState,
  payOrder,
  requestOrderCancellation,
  getOrderResult,
  retryOrderPayment,
} from '../../client/orders';
import { settleBill } from '../../client/bills';
import type { EngineClientContext } from '../../client/trial-upgrade';
import { seedReferenceData } from '../../prisma/seed-data';
import { migrateDeploy } from '../../scripts/lib/migrate';
import {
  startTemporalDevServer,
  type RunningDevServer,
} from '../../scripts/lib/temporal-dev-server';
import { createBillingWorker } from '../../worker/worker';
import { TEST_DATA_DIR, TEST_ENV } from '../setup/services';
import { createTestDatabase } from '../support/integration';
import { uid } from '../support/ledger-fixtures';
import {
  couponRow,
  createPayingAccount,
  eventually,
  grantCouponNow,
  movementsOf,
  paymentsOf,
} from './order/support';
import {
  billAccount,
  cashCoupon,
  couponMovementsOf,
  DEV_TEST_CARDS,
  fundsMovementsOf,
} from './bill/support';

jest.setTimeout(180_000);

// Next to the shared test services' ports, so checkouts testing at once do not collide.
const TEMPORAL_PORT = Number(process.env.TEST_TEMPORAL_PORT ?? 17233) + 9;
const POSTGRES_PORT = Number(process.env.TEST_POSTGRES_PORT ?? 55433) + 9;
const dir = path.join(TEST_DATA_DIR, `restart-${process.pid}`);
const bundle = (): string => process.env[TEST_ENV.workflowBundle] ?? '';

async function runWorker(
  address: string,
  db: Database,
  taskQueue: string,
): Promise<{ stop: () => Promise<void>; connection: NativeConnection }> {
  const connection = await NativeConnection.connect({ address });
  const worker: Worker = await createBillingWorker({
    connection,
    namespace: 'default',
    taskQueue,
    db,
    workflowBundle: { codePath: bundle() },
  });
  const running = worker.run();
  return {
    connection,
    stop: async () => {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

interface RunningPostgres {
  url: (database: string) => string;
  stop: () => Promise<void>;
}

/** test/reliability/postgres-process.ts: embedded PostgreSQL in a child process. */
function startPostgresProcess(dataDir: string, port: number): Promise<RunningPostgres> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.resolve(__dirname, '..', 'reliability', 'postgres-process.ts'),
      dataDir,
      String(port),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const ready = /ready (\S+)\n/.exec(output);
      if (!ready) return;
      const admin = ready[1] ?? '';
      resolve({
        url: (database) => admin.replace(/\/postgres$/, `/${database}`),
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(() => reject(new Error(`postgres process ended:\n${output}`)));
  });
}

const ledgerOk = async (db: Database): Promise<void> => {
  expect(await checkLedgerConsistency(db)).toEqual({ ok: true, coupons: [], accounts: [] });
};

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Temporal dev server restarted on its persisted file', () => {
  let server: RunningDevServer;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const dbFile = path.join(dir, 'temporal', 'temporal.sqlite');
  beforeAll(async () => {
    server = await startTemporalDevServer({ port: TEMPORAL_PORT, uiPort: null, dbFile });
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  test('an order created before, paid between and provisioned across restarts completes once', async () => {
    const db = database.db;
    const taskQueue = uid('restart-temporal');
    const worker = await runWorker(server.address, db, taskQueue);
    const connection = await Connection.connect({ address: server.address });
    const ctx: EngineClientContext = {
      client: new Client({ connection, namespace: 'default' }),
      taskQueue,
    };
    try {
      const { accountId } = await createPayingAccount(db);
      const couponId = await grantCouponNow(db, { ownerAccountId: accountId, faceValue: '10.00' });
      const orderId = uid('ord-restart');
      await createOrder(ctx, {
        orderId,
        accountId,
        commodityCode: 'ecs',
        orderType: 'new_purchase',
        amount: '50.00',
        currency: 'USD',
        durationMonths: 1,
        couponId,
      });

      // Restart 1: the order waits for its payment; only the SQLite file keeps it.
      await server.stop();
      server = await startTemporalDevServer({ port: TEMPORAL_PORT, uiPort: null, dbFile });
      expect(await getOrderState(ctx, orderId)).toMatchObject({
        stage: 'awaiting_payment',
        coupon: { state: 'frozen' },
      });

      const paid = await payOrder(ctx, { orderId });
      expect(paid).toMatchObject({ paid: true, payable: '40.00' });

      // Restart 2: right after the payment, while provisioning is due.
      await server.stop();
      server = await startTemporalDevServer({ port: TEMPORAL_PORT, uiPort: null, dbFile });
      const active = await eventually(
        () => getOrderState(ctx, orderId),
        (s) => s.stage === 'active',
        60_000,
      );
      expect(active).toMatchObject({ stage: 'active', status: 'provisioned' });

      expect(await paymentsOf(db, orderId)).toEqual([
        expect.objectContaining({ kind: 'charge', amount: '40.00', status: 'succeeded' }),
      ]);
      expect((await movementsOf(db, couponId)).map((m) => m.kind)).toEqual([
        'redeem',
        'freeze',
        'deduct',
      ]);
      await ledgerOk(db);
    } finally {
      await worker.stop();
      await connection.close();
    }
  });
});

describe('PostgreSQL restarted mid-run', () => {
  let pg: RunningPostgres;
  let db: Database;
  let url: string;
  const dataDir = path.join(dir, 'postgres');
  const startPg = () => startPostgresProcess(dataDir, POSTGRES_PORT);
  beforeAll(async () => {
    pg = await startPg();
    const admin = new PgClient({ connectionString: pg.url('postgres') });
    await admin.connect();
    await admin.query('CREATE DATABASE billing_restart');
    await admin.end();
    url = pg.url('billing_restart');
    await migrateDeploy(url);
    db = createDatabase(url);
    await seedReferenceData(db);
  });
  afterAll(async () => {
    await db?.$disconnect();
    await pg?.stop();
  });

  test('a payment, a cancellation and a bill during an outage: all complete, everything once', async () => {
    const address = process.env[TEST_ENV.temporalAddress] ?? '';
    const taskQueue = uid('restart-pg');
    const worker = await runWorker(address, db, taskQueue);
    const connection = await Connection.connect({ address });
    const ctx: EngineClientContext = {
      client: new Client({ connection, namespace: 'default' }),
      taskQueue,
    };
    try {
      const { accountId } = await createPayingAccount(db);
      const couponId = await grantCouponNow(db, { ownerAccountId: accountId, faceValue: '10.00' });
      const cancelledCoupon = await grantCouponNow(db, {
        ownerAccountId: accountId,
        faceValue: '5.00',
      });
      const order = (id: string, coupon: string) =>
        createOrder(ctx, {
          orderId: id,
          accountId,
          commodityCode: 'ecs',
          orderType: 'new_purchase',
          amount: '50.00',
          currency: 'USD',
          durationMonths: 1,
          couponId: coupon,
        });
      const paidId = uid('ord-pg');
      const cancelledId = uid('ord-pg-cancel');
      await order(paidId, couponId);
      await order(cancelledId, cancelledCoupon);
      const billAccountId = await billAccount(db, {
        funds: '5.00',
        automaticRecharge: true,
        cardNumber: DEV_TEST_CARDS.success,
      });
      const billCoupon = await cashCoupon(db, billAccountId, '20.00', 30);
      const billId = uid('bill-pg');

      // PostgreSQL goes down; a payment, a cancellation and a bill arrive meanwhile.
      await pg.stop();
      const paying = payOrder(ctx, { orderId: paidId });
      await requestOrderCancellation(ctx, { orderId: cancelledId, reason: 'customer left' });
      const settling = settleBill(ctx, {
        billId,
        accountId: billAccountId,
        commodityCode: 'ecs',
        amount: '60.00',
        currency: 'USD',
        policy: { adjustmentWindow: '1s' },
      });
      // The charge's three tries (1 s, 2 s apart) fail while the database is down.
      await eventually(
        () => getOrderState(ctx, paidId),
        (s) => s.payments.length > 0,
        30_000,
      );
      pg = await startPg();

      // The charge's outcome was unknown: payment_failed, retried under the same key.
      const failed = await paying;
      expect(failed).toMatchObject({
        paid: false,
        stage: 'payment_failed',
        attempt: { attempt: 1, reason: 'gateway_unavailable' },
      });
      const paid = await retryOrderPayment(ctx, { orderId: paidId });
      expect(paid).toMatchObject({ paid: true, attempt: { attempt: 1, status: 'succeeded' } });
      expect(await paymentsOf(db, paidId)).toEqual([
        expect.objectContaining({
          kind: 'charge',
          status: 'succeeded',
          amount: '40.00',
          idempotencyKey: `order/${paidId}:charge:1`,
        }),
      ]);
      expect((await movementsOf(db, couponId)).map((m) => m.kind)).toEqual([
        'redeem',
        'freeze',
        'deduct',
      ]);

      // The cancellation's release retried until the database answered: released once.
      expect((await getOrderResult(ctx, cancelledId)).outcome).toBe('cancelled');
      expect((await movementsOf(db, cancelledCoupon)).map((m) => m.kind)).toEqual([
        'redeem',
        'freeze',
        'release',
      ]);
      expect(await couponRow(db, cancelledCoupon)).toMatchObject({
        status: 'available',
        balance: '5.00',
      });

      // The bill opened and settled once the database was back: coupon, funds, recharge once each.
      const bill = await settling;
      expect(bill).toMatchObject({
        stage: 'settled',
        couponDeduction: '20.00',
        fundsPaid: '40.00',
        charged: '35.00',
      });
      expect((await couponMovementsOf(db, billId)).map((m) => [m.couponId, m.kind])).toEqual([
        [billCoupon, 'deduct'],
      ]);
      expect(
        (await fundsMovementsOf(db, billAccountId)).map((m) => [m.kind, m.amountDelta]),
      ).toEqual([
        ['top_up', '5.00'],
        ['bill_payment', '-5.00'],
        ['recharge', '35.00'],
        ['bill_payment', '-35.00'],
      ]);
      await eventually(
        () => getOrderState(ctx, paidId),
        (s) => s.stage === 'active',
        30_000,
      );
      await ledgerOk(db);
    } finally {
      await worker.stop();
      await connection.close();
    }
  });
});
