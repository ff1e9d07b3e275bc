/**
 * Runs the API (and codec server) beside the worker, as `npm start` does: a
 * Temporal client with the engine's data converter, the pino logger, and the
 * configured host and port.
 */
import { Client, type ClientPlugin, type ConnectionOptions } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Database } from '../activities/database';
import type { Keyring } from '../client/codec';
import { connectTemporal } from '../client/connection';
import { engineDataConverter } from '../client/data-converter';
import { apiRateLimitSettings, apiTrustProxy, type EngineEnv } from '../worker/config';
import { buildApiServer } from './server';

export interface RunningApi {
  url: string;
  close: () => Promise<void>;
}

/** Origins of the Temporal UI that may call the codec server. */
export function codecCorsOrigins(
  env: Pick<EngineEnv, 'CODEC_CORS_ORIGINS' | 'TEMPORAL_UI_PORT'>,
): string[] {
  if (env.CODEC_CORS_ORIGINS)
    return env.CODEC_CORS_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean);
  return [`http://localhost:${env.TEMPORAL_UI_PORT}`, `http://127.0.0.1:${env.TEMPORAL_UI_PORT}`];
}

export async function startApi(options: {
  env: EngineEnv;
  connectionOptions: ConnectionOptions;
  db: Database;
  keyring: Keyring;
  logger: Logger;
  /** Client plugins, e.g. tracing (worker/tracing.ts): API calls start the traces. */
  plugins?: ClientPlugin[];
  devUiToken?: string;
}): Promise<RunningApi> {
  const { env } = options;
  const connection = await connectTemporal(options.connectionOptions);
  const client = new Client({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    dataConverter: engineDataConverter(options.keyring),
    plugins: options.plugins ?? [],
  });
  const app = await buildApiServer({
    db: options.db,
    engine: { client, taskQueue: env.TEMPORAL_TASK_QUEUE },
    logger: options.logger.child({ component: 'api' }),
    rateLimits: apiRateLimitSettings(env),
    trustProxy: apiTrustProxy(env),
    codec: {
      keyring: options.keyring,
      corsOrigins: codecCorsOrigins(env),
      ...(options.devUiToken ? { devUiToken: options.devUiToken } : {}),
    },
  });
  await app.listen({ host: env.API_HOST, port: env.API_PORT });
  const host = env.API_HOST === '0.0.0.0' ? 'localhost' : env.API_HOST;
  return {
    url: `http://${host}:${env.API_PORT}`,
    close: async () => {
      await app.close();
      await connection.close();
    },
  };
}
