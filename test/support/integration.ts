import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { ENGINE_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { Client as PgClient } from 'pg';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createDatabase, type Database } from '../../activities/database';
import { createBillingWorker } from '../../worker/worker';
import { TEMPLATE_DATABASE, TEST_ENV } from '../setup/services';
import { parseKeyring, type Keyring } from '../../client/codec';
import { engineDataConverter } from '../../client/data-converter';

/** A keyring of its own for each engine, as a deployment would have (payloads encrypted). */
/**
 * The test suite's payload key. Fixed (it guards only test data) so that
 * histories recorded from test runs (test/replay/histories) stay decryptable
 * by the replay check and by worker processes the crash tests start.
 */
export const TEST_PAYLOAD_KEYS = 'test-1:dGVzdC1vbmx5LXBheWxvYWQta2V5LTMyLWJ5dGVzISE=';

export function testKeyring(): Keyring {
  return parseKeyring(TEST_PAYLOAD_KEYS);
}

function required(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: run integration tests through jest's global setup`);
  return value;
}

/** A fresh database cloned from the migrated, seeded template; dropped by `drop()`. */
export async function createTestDatabase(): Promise<{
  db: Database;
  url: string;
  drop: () => Promise<void>;
}> {
  const adminUrl = required(TEST_ENV.postgresAdminUrl);
  const name = `test_${randomUUID().replace(/-/g, '')}`;
  const admin = new PgClient({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`);
  await admin.end();
  const url = adminUrl.replace(/\/postgres$/, `/${name}`);
  const db = createDatabase(url);
  return {
    db,
    url,
    drop: async () => {
      await db.$disconnect();
      const dropper = new PgClient({ connectionString: adminUrl });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}

export interface TestEngine {
  db: Database;
  databaseUrl: string;
  client: Client;
  taskQueue: string;
  /** The keyring the worker and client encrypt payloads with. */
  keyring: Keyring;
  /** A new worker on this file's task queue (a worker runs once). */
  createWorker: () => Promise<Worker>;
  /** Runs a new worker for the duration of `fn`. */
  withWorker: <T>(fn: () => Promise<T>) => Promise<T>;
  close: () => Promise<void>;
}

/** A database, a client and a worker on a task queue of this file's own. */
export async function createTestEngine(options: { keyring?: Keyring } = {}): Promise<TestEngine> {
  const address = required(TEST_ENV.temporalAddress);
  const keyring = options.keyring ?? testKeyring();
  const dataConverter = engineDataConverter(keyring);
  const database = await createTestDatabase();
  const taskQueue = `test-${randomUUID()}`;
  const nativeConnection = await NativeConnection.connect({ address });
  const createWorker = (): Promise<Worker> =>
    createBillingWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      db: database.db,
      workflowBundle: { codePath: required(TEST_ENV.workflowBundle) },
      dataConverter,
    });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default', dataConverter });
  return {
    db: database.db,
    databaseUrl: database.url,
    client,
    taskQueue,
    keyring,
    createWorker,
    withWorker: async (fn) => (await createWorker()).runUntil(fn),
    close: async () => {
      await connection.close();
      await nativeConnection.close();
      await database.drop();
    },
  };
}

/**
 * Temporal's Java time-skipping server (scripts/time-skipping-server.sh): timers
 * of days finish at once. A worker on it runs the real activities on `db`.
 */
export async function createTimeSkippingEngine(db: Database): Promise<{
  env: TestWorkflowEnvironment;
  taskQueue: string;
  createWorker: () => Promise<Worker>;
}> {
  const dataConverter = engineDataConverter(testKeyring());
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: TIME_SKIPPING_SERVER } },
    client: { dataConverter },
  });
  // The Java server knows no custom search attributes until they are added.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      ENGINE_SEARCH_ATTRIBUTES.map((key) => [
        key.name,
        temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
      ]),
    ),
  });
  const taskQueue = `time-skipping-${randomUUID()}`;
  return {
    env,
    taskQueue,
    createWorker: () =>
      createBillingWorker({
        connection: env.nativeConnection,
        namespace: env.namespace ?? 'default',
        taskQueue,
        db,
        workflowBundle: { codePath: required(TEST_ENV.workflowBundle) },
        dataConverter,
      }),
  };
}

const TIME_SKIPPING_SERVER = path.resolve(
  __dirname,
  '..',
  '..',
  'scripts',
  'time-skipping-server.sh',
);
