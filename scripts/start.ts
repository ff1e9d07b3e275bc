// `npm start`: the whole engine on its embedded defaults (or on what the
// environment points at): Temporal dev server + Web UI, PostgreSQL, the worker.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { DEV_API_KEYS, issueApiKey } from '../api/keys';
import { startApi } from '../api/serve';
import { Client } from '@temporalio/client';
import { connectTemporal, temporalConnectionOptions } from '../client/connection';
import { engineDataConverter, payloadKeyring } from '../client/data-converter';
import { checkDatabaseReachable, createDatabase, safeUrl } from '../activities/database';
import { seedReferenceData } from '../prisma/seed-data';
import { ConfigError, parseEngineEnv } from '../worker/config';
import { createBillingWorker } from '../worker/worker';
import { createEngineLogger, runtimeOptions } from '../worker/logging';
import { tracingFromEnv } from '../worker/tracing';
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
  // SDK, worker and API logs as JSON through pino (secrets redacted); runtime metrics on Prometheus.
  const logger = createEngineLogger(env.LOG_LEVEL);
  Runtime.install(runtimeOptions(logger, env));
  const tracing = tracingFromEnv(env);
  if (tracing) stops.push(tracing.shutdown);
  const plugins = tracing ? [tracing.plugin] : [];
  // The dev UI has no sign-in, so it cannot send the codec server a bearer token:
  // it gets a secret codec path of this run instead (api/codec-server.ts).
  const devUiToken = randomBytes(18).toString('base64url');
  const apiHost = env.API_HOST === '0.0.0.0' ? 'localhost' : env.API_HOST;

  let temporalAddress = env.TEMPORAL_ADDRESS;
  let uiUrl = "(your Temporal cluster's UI)";
  if (!temporalAddress) {
    say('starting the Temporal dev server...');
    const server = await startTemporalDevServer({
      port: env.TEMPORAL_PORT,
      uiPort: env.TEMPORAL_UI_PORT,
      dbFile: path.join(dataDir, 'temporal', 'temporal.sqlite'),
      namespace: env.TEMPORAL_NAMESPACE,
      uiCodecEndpoint: `http://${apiHost}:${env.API_PORT}/codec/ui/${devUiToken}`,
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
  // Payload encryption: the dev key only on the embedded dev server (client/data-converter.ts).
  const keyring = payloadKeyring(env);
  const dataConverter = engineDataConverter(keyring);

  const connection = await NativeConnection.connect(connectionOptions);
  stops.push(() => connection.close());
  const worker = await createBillingWorker({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    db,
    dataConverter,
    plugins,
    ...(env.WORKER_MAX_CACHED_WORKFLOWS !== undefined
      ? { maxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS }
      : {}),
  });
  // The hourly coupon expiry sweep; creating it again on the next start is a no-op.
  const scheduleConnection = await connectTemporal(connectionOptions);
  stops.push(() => scheduleConnection.close());
  const expirySchedule = await ensureCouponExpirySchedule(
    new Client({
      connection: scheduleConnection,
      namespace: env.TEMPORAL_NAMESPACE,
      dataConverter,
      plugins,
    }),
    { taskQueue: env.TEMPORAL_TASK_QUEUE },
  );

  const api = await startApi({
    env,
    connectionOptions,
    db,
    keyring,
    logger,
    plugins,
    ...(env.TEMPORAL_ADDRESS ? {} : { devUiToken }),
  });
  stops.push(api.close);
  // Development keys: fresh secrets at every start, only their hashes stored.
  const devKeys = await Promise.all(DEV_API_KEYS.map((k) => issueApiKey(db, k)));

  console.log(
    [
      '',
      `Billing engine is up (${((Date.now() - started) / 1000).toFixed(1)} s)`,
      `  Temporal        ${temporalAddress} (namespace ${env.TEMPORAL_NAMESPACE})`,
      `  Temporal Web UI ${uiUrl}`,
      `  PostgreSQL      ${safeUrl(databaseUrl)} (${products} catalog products)`,
      `  Task queue      ${env.TEMPORAL_TASK_QUEUE} (worker polling)`,
      `  HTTP API        ${api.url} (docs ${api.url}/docs, OpenAPI ${api.url}/openapi.json)`,
      `  Codec server    ${api.url}/codec (payloads encrypted with key ${keyring.activeKeyId})`,
      `  Metrics         ${env.METRICS_BIND_ADDRESS === 'off' ? 'off' : `http://${env.METRICS_BIND_ADDRESS}/metrics`}`,
      `  Tracing         ${tracing ? tracing.description : 'off (OTEL_TRACES_EXPORTER)'}`,
      `  Schedule        ${COUPON_EXPIRY_SCHEDULE_ID} (hourly, ${expirySchedule})`,
      '  Development API keys (new at every start; send as "Authorization: Bearer <key>"):',
      ...devKeys.map((k) => `    ${k.scopes.join('+').padEnd(12)} ${k.key}`),
      `  CLI: export BILLING_API_URL=${api.url} BILLING_API_KEY=${devKeys.find((k) => k.id === 'dev-billing')?.key ?? ''}`,
      '  Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  // The worker shuts down on SIGINT/SIGTERM (the SDK installs those handlers); then the rest stops.
  // Stopping takes a few seconds (the dev server lets go of its SQLite file last): a second
  // Ctrl-C must not end this process half way, or the next start finds that file locked.
  // (npm start runs Node with tsx as a loader, not the tsx CLI, whose relay of a signal the
  // whole process group also got could SIGKILL this process while it was stopping.)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => say('stopping (a few seconds)...'));
  }
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
