// `npm start`: the whole engine on its embedded defaults (or on what the
// environment points at): Temporal dev server + Web UI, PostgreSQL, the worker.
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { Client } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { connectTemporal, temporalConnectionOptions } from '../client/connection';
import { checkDatabaseReachable, createDatabase, safeUrl } from '../activities/database';
import { seedReferenceData } from '../prisma/seed-data';
import { ConfigError, parseEngineEnv } from '../worker/config';
import { createBillingWorker } from '../worker/worker';
import { COUPON_EXPIRY_SCHEDULE_ID, ensureCouponExpirySchedule } from '../worker/schedules';
import { startEmbeddedPostgres } from './lib/embedded-postgres';
import { migrateDeploy } from './lib/migrate';
import { startTemporalDevServer } from './lib/temporal-dev-server';

const EMBEDDED_DATABASE = 'billing';
const stops: Array<() => Promise<void>> = [];
const say = (line: string): void => console.log(`[start] ${line}`);

async function main(): Promise<void> {
  const started = Date.now();
  const env = parseEngineEnv();
  const dataDir = path.resolve(env.DATA_DIR);
  Runtime.install({ logger: new DefaultLogger(env.LOG_LEVEL) });

  let temporalAddress = env.TEMPORAL_ADDRESS;
  let uiUrl = "(your Temporal cluster's UI)";
  if (!temporalAddress) {
    say('starting the Temporal dev server...');
    const server = await startTemporalDevServer({
      port: env.TEMPORAL_PORT,
      uiPort: env.TEMPORAL_UI_PORT,
      dbFile: path.join(dataDir, 'temporal', 'temporal.sqlite'),
      namespace: env.TEMPORAL_NAMESPACE,
    });
    stops.push(server.stop);
    temporalAddress = server.address;
    uiUrl = server.uiUrl ?? uiUrl;
  }
  const connectionOptions = await temporalConnectionOptions(env, temporalAddress);
  // Fails with one line naming TEMPORAL_ADDRESS when nothing answers there.
  await (await connectTemporal(connectionOptions)).close();

  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    say('starting embedded PostgreSQL...');
    const postgres = await startEmbeddedPostgres({
      dataDir: path.join(dataDir, 'postgres'),
      port: env.EMBEDDED_POSTGRES_PORT,
    });
    stops.push(postgres.stop);
    await ensureDatabase(postgres.url('postgres'), EMBEDDED_DATABASE);
    databaseUrl = postgres.url(EMBEDDED_DATABASE);
  }
  await checkDatabaseReachable(databaseUrl);
  say('applying migrations...');
  await migrateDeploy(databaseUrl);
  const db = createDatabase(databaseUrl);
  stops.push(() => db.$disconnect());
  const { products } = await seedReferenceData(db);

  const connection = await NativeConnection.connect(connectionOptions);
  stops.push(() => connection.close());
  const worker = await createBillingWorker({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    db,
  });
  // The hourly coupon expiry sweep; creating it again on the next start is a no-op.
  const scheduleConnection = await connectTemporal(connectionOptions);
  stops.push(() => scheduleConnection.close());
  const expirySchedule = await ensureCouponExpirySchedule(
    new Client({ connection: scheduleConnection, namespace: env.TEMPORAL_NAMESPACE }),
    { taskQueue: env.TEMPORAL_TASK_QUEUE },
  );

  console.log(
    [
      '',
      `Billing engine is up (${((Date.now() - started) / 1000).toFixed(1)} s)`,
      `  Temporal        ${temporalAddress} (namespace ${env.TEMPORAL_NAMESPACE})`,
      `  Temporal Web UI ${uiUrl}`,
      `  PostgreSQL      ${safeUrl(databaseUrl)} (${products} catalog products)`,
      `  Task queue      ${env.TEMPORAL_TASK_QUEUE} (worker polling)`,
      `  Schedule        ${COUPON_EXPIRY_SCHEDULE_ID} (hourly, ${expirySchedule})`,
      '  Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  // The worker shuts down on SIGINT/SIGTERM (the SDK installs those handlers); then the rest stops.
  await worker.run();
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = new PgClient({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
}

async function stopAll(): Promise<void> {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
}

main()
  .then(async () => {
    say('worker stopped; stopping the rest...');
    await stopAll();
    say('stopped.');
  })
  .catch(async (err: Error) => {
    // Configuration and connectivity problems are one line; anything else keeps its stack.
    console.error(err instanceof ConfigError ? `error: ${err.message}` : err);
    await stopAll();
    process.exit(1);
  });
