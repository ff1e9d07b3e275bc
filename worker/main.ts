// `npm run worker`: the worker alone, for deployments where Temporal and
// PostgreSQL run elsewhere (several workers can poll one task queue).
// Unlike `npm start` it starts nothing embedded: TEMPORAL_ADDRESS and
// DATABASE_URL must be set. It exits when SIGINT/SIGTERM has drained it.
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { checkDatabaseReachable, createDatabase, safeUrl } from '../activities/database';
import { connectTemporal, temporalConnectionOptions } from '../client/connection';
import { ConfigError, parseEngineEnv } from './config';
import { createBillingWorker } from './worker';

async function main(): Promise<void> {
  const env = parseEngineEnv();
  if (!env.TEMPORAL_ADDRESS)
    throw new ConfigError(
      'TEMPORAL_ADDRESS: required by `npm run worker` (npm start runs a dev server instead)',
    );
  if (!env.DATABASE_URL)
    throw new ConfigError(
      'DATABASE_URL: required by `npm run worker` (npm start runs an embedded PostgreSQL instead)',
    );
  Runtime.install({ logger: new DefaultLogger(env.LOG_LEVEL) });
  const connectionOptions = await temporalConnectionOptions(env, env.TEMPORAL_ADDRESS);
  await (await connectTemporal(connectionOptions)).close();
  await checkDatabaseReachable(env.DATABASE_URL);
  const db = createDatabase(env.DATABASE_URL);
  const connection = await NativeConnection.connect(connectionOptions);
  try {
    const worker = await createBillingWorker({
      connection,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      db,
    });
    console.log(
      `[worker] polling ${env.TEMPORAL_TASK_QUEUE} on ${env.TEMPORAL_ADDRESS} (namespace ${env.TEMPORAL_NAMESPACE}), database ${safeUrl(env.DATABASE_URL)}`,
    );
    await worker.run();
  } finally {
    await connection.close();
    await db.$disconnect();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? `error: ${err.message}` : err);
  process.exit(1);
});
