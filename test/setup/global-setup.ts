import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startEmbeddedPostgres } from '../../scripts/lib/embedded-postgres';
import { migrateDeploy } from '../../scripts/lib/migrate';
import { startTemporalDevServer } from '../../scripts/lib/temporal-dev-server';
import { createDatabase } from '../../activities/database';
import { seedReferenceData } from '../../prisma/seed-data';
import { FAILURE_CONVERTER_PATH } from '../../client/data-converter';
import { WORKFLOW_BUNDLER_OPTIONS } from '../../worker/workflow-bundle';
import { TEMPLATE_DATABASE, TEST_DATA_DIR, TEST_ENV, type TestServices } from './services';

/**
 * One Temporal dev server (in memory) and one embedded PostgreSQL for the run.
 * Each test file then clones the migrated, seeded template database, so files
 * never see each other's rows. The workflow bundle is built once here.
 */
export default async function globalSetup(): Promise<void> {
  if (!integrationSelected(process.argv)) return;

  const started = Date.now();
  const runDir = path.join(TEST_DATA_DIR, `run-${process.pid}`);
  await rm(TEST_DATA_DIR, { recursive: true, force: true });
  await mkdir(runDir, { recursive: true });

  const pgPort = Number(process.env.TEST_POSTGRES_PORT ?? 55433);
  const temporalPort = Number(process.env.TEST_TEMPORAL_PORT ?? 17233);
  const [postgres, temporal, bundle] = await Promise.all([
    startEmbeddedPostgres({
      dataDir: path.join(runDir, 'postgres'),
      port: pgPort,
      persistent: false,
    }),
    startTemporalDevServer({ port: temporalPort, uiPort: null, dbFile: null }),
    bundleWorkflowCode({
      workflowsPath: require.resolve('../../workflows'),
      ...WORKFLOW_BUNDLER_OPTIONS,
      failureConverterPath: FAILURE_CONVERTER_PATH,
      logger: quietLogger,
    }),
  ]);

  const admin = new PgClient({ connectionString: postgres.url('postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await admin.end();
  await migrateDeploy(postgres.url(TEMPLATE_DATABASE));
  const db = createDatabase(postgres.url(TEMPLATE_DATABASE));
  await seedReferenceData(db);
  await db.$disconnect();

  const bundlePath = path.join(runDir, 'workflow-bundle.js');
  await writeFile(bundlePath, bundle.code);

  process.env[TEST_ENV.postgresAdminUrl] = postgres.url('postgres');
  process.env[TEST_ENV.temporalAddress] = temporal.address;
  process.env[TEST_ENV.workflowBundle] = bundlePath;
  const services: TestServices = { postgres, temporal };
  (globalThis as { __billingTestServices?: TestServices }).__billingTestServices = services;
  console.log(`\nintegration services ready in ${Date.now() - started} ms`);
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

/** `jest --selectProjects unit` needs no services. */
function integrationSelected(argv: string[]): boolean {
  const at = argv.indexOf('--selectProjects');
  if (at === -1) return true;
  return argv.slice(at + 1).some((arg) => arg === 'integration');
}
