// `npm run worker`: the worker alone, for deployments where Temporal and
// PostgreSQL run elsewhere (several workers can poll one task queue).
// Unlike `npm start` it starts nothing embedded: TEMPORAL_ADDRESS, DATABASE_URL
// and PAYLOAD_CODEC_KEYS must be set. It also ensures the coupon expiry
// schedule exists. It exits when SIGINT/SIGTERM has drained it.
import { Client } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { checkDatabaseReachable, createDatabase, safeUrl } from '../activities/database';
import { connectTemporal, temporalConnectionOptions } from '../client/connection';
import { engineDataConverter, payloadKeyring } from '../client/data-converter';
import { ConfigError, parseEngineEnv } from './config';
import { createEngineLogger, runtimeOptions } from './logging';
import { ensureCouponExpirySchedule } from './schedules';
import { tracingFromEnv } from './tracing';
import { createBillingWorker } from './worker';

async function main(): Promise<void> {
  const env = parseEngineEnv();
  if (!env.TEMPORAL_ADDRESS) {
    throw new ConfigError(
      'TEMPORAL_ADDRESS: required by `npm run worker` (npm start runs a dev server instead)',
    );
  }
  if (!env.DATABASE_URL) {
    throw new ConfigError(
      'DATABASE_URL: required by `npm run worker` (npm start runs an embedded PostgreSQL instead)',
    );
  }
  const logger = createEngineLogger(env.LOG_LEVEL);
  Runtime.install(runtimeOptions(logger, env));
  const tracing = tracingFromEnv(env);
  const plugins = tracing ? [tracing.plugin] : [];
  const dataConverter = engineDataConverter(payloadKeyring(env));
  const connectionOptions = await temporalConnectionOptions(env, env.TEMPORAL_ADDRESS);
  const client = new Client({
    connection: await connectTemporal(connectionOptions),
    namespace: env.TEMPORAL_NAMESPACE,
    dataConverter,
    plugins,
  });
  await checkDatabaseReachable(env.DATABASE_URL);
  const db = createDatabase(env.DATABASE_URL);
  const connection = await NativeConnection.connect(connectionOptions);
  try {
    await ensureCouponExpirySchedule(client, { taskQueue: env.TEMPORAL_TASK_QUEUE });
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
    logger.info(
      {
        taskQueue: env.TEMPORAL_TASK_QUEUE,
        namespace: env.TEMPORAL_NAMESPACE,
        database: safeUrl(env.DATABASE_URL),
      },
      'worker polling',
    );
    await worker.run();
  } finally {
    await connection.close();
    await client.connection.close();
    await db.$disconnect();
    await tracing?.shutdown();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? `error: ${err.message}` : err);
  process.exit(1);
});
