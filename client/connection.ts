import { readFile } from 'node:fs/promises';
import { Connection, type ConnectionOptions, type TLSConfig } from '@temporalio/client';
import { ConfigError, type EngineEnv } from '../worker/config';

/** What both the client's Connection and the worker's NativeConnection accept. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
}

/** Connection options for the dev server, a self-hosted cluster (mTLS) or Temporal Cloud (API key). */
export async function temporalConnectionOptions(
  env: Pick<
    EngineEnv,
    | 'TEMPORAL_API_KEY'
    | 'TEMPORAL_TLS_CERT_PATH'
    | 'TEMPORAL_TLS_KEY_PATH'
    | 'TEMPORAL_TLS_CA_PATH'
    | 'TEMPORAL_TLS_SERVER_NAME'
  >,
  address: string,
): Promise<TemporalConnectionOptions> {
  const options: TemporalConnectionOptions = { address };
  const read = async (variable: string, path: string): Promise<Buffer> => {
    try {
      return await readFile(path);
    } catch (err) {
      throw new ConfigError(`${variable}: cannot read ${path} (${(err as Error).message})`);
    }
  };
  if (env.TEMPORAL_TLS_CERT_PATH && env.TEMPORAL_TLS_KEY_PATH) {
    options.tls = {
      serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME,
      serverRootCACertificate: env.TEMPORAL_TLS_CA_PATH
        ? await read('TEMPORAL_TLS_CA_PATH', env.TEMPORAL_TLS_CA_PATH)
        : undefined,
      clientCertPair: {
        crt: await read('TEMPORAL_TLS_CERT_PATH', env.TEMPORAL_TLS_CERT_PATH),
        key: await read('TEMPORAL_TLS_KEY_PATH', env.TEMPORAL_TLS_KEY_PATH),
      },
    };
  } else if (env.TEMPORAL_API_KEY) {
    options.tls = true;
    options.apiKey = env.TEMPORAL_API_KEY;
  }
  return options;
}

/** Connects, turning an unreachable server into a one-line error that names the variable. */
export async function connectTemporal(
  options: ConnectionOptions,
  variable = 'TEMPORAL_ADDRESS',
): Promise<Connection> {
  try {
    return await Connection.connect({ ...options, connectTimeout: '5s' });
  } catch (err) {
    throw new ConfigError(
      `${variable}: cannot reach Temporal at ${options.address} (${(err as Error).message.split('\n')[0]})`,
    );
  }
}
