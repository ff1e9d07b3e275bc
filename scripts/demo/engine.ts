/**
 * How the demo reaches the engine `npm start` runs: the same environment variables
 * (worker/config.ts), the same data converter (payloads are encrypted), the engine's
 * database for the development fixtures and the ledger reads, and the Temporal Web
 * UI's address for links.
 */
import { Client } from '@temporalio/client';
import { connectTemporal, temporalConnectionOptions } from '../../client/connection';
import { openLedgerReader, type Database } from '../../client/statement';
import { engineDataConverter, payloadKeyring } from '../../client/data-converter';
import type { EngineClientContext } from '../../client/trial-upgrade';
import { parseEngineEnv } from '../../worker/config';

export interface DemoEngine {
  ctx: EngineClientContext;
  db: Database;
  namespace: string;
  /** The Web UI page of a workflow. */
  link: (workflowId: string) => string;
  /** The Web UI's workflow list filtered by a visibility query. */
  listLink: (query: string) => string;
  close: () => Promise<void>;
}

export async function connectDemoEngine(env: NodeJS.ProcessEnv = process.env): Promise<DemoEngine> {
  const config = parseEngineEnv(env);
  // Unset TEMPORAL_ADDRESS means the dev server `npm start` runs on TEMPORAL_PORT.
  const address = config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_PORT}`;
  const connection = await connectTemporal(await temporalConnectionOptions(config, address));
  const client = new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: engineDataConverter(payloadKeyring(config)),
  });
  const db = await openLedgerReader(config);
  // A real cluster's UI lives elsewhere: DEMO_TEMPORAL_UI_URL names it (e.g. https://cloud.temporal.io).
  const ui = (env.DEMO_TEMPORAL_UI_URL || `http://localhost:${config.TEMPORAL_UI_PORT}`).replace(
    /\/$/,
    '',
  );
  const ns = encodeURIComponent(config.TEMPORAL_NAMESPACE);
  return {
    ctx: { client, taskQueue: config.TEMPORAL_TASK_QUEUE },
    db,
    namespace: config.TEMPORAL_NAMESPACE,
    link: (workflowId) => `${ui}/namespaces/${ns}/workflows/${encodeURIComponent(workflowId)}`,
    listLink: (query) => `${ui}/namespaces/${ns}/workflows?query=${encodeURIComponent(query)}`,
    close: async () => {
      await db.$disconnect();
      await connection.close();
    },
  };
}
