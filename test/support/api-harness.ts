/**
 * The HTTP API on an ephemeral port in front of a real worker and database
 * (createTestEngine), with one API key per scope issued through api/keys.ts.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Worker } from '@temporalio/worker';
import { issueApiKey, type ApiScope } from '../../api/keys';
import type { ApiRateLimits } from '../../api/rate-limits';
import { buildApiServer } from '../../api/server';
import { createTestEngine, type TestEngine } from './integration';

export interface ApiAnswer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  /** API key; default the signup key. `null` sends none. */
  key?: string | null;
  body?: unknown;
  /** Idempotency-Key; default a fresh one on mutating requests. `null` sends none. */
  idempotencyKey?: string | null;
  headers?: Record<string, string>;
}

export interface ApiHarness {
  engine: TestEngine;
  app: FastifyInstance;
  url: string;
  keys: Record<ApiScope, string>;
  call: <T = Record<string, unknown>>(
    method: string,
    path: string,
    options?: CallOptions,
  ) => Promise<ApiAnswer<T>>;
  close: () => Promise<void>;
}

export interface ApiHarnessOptions {
  codecCorsOrigins?: string[];
  devUiToken?: string;
  /** Per-caller rate limits (default the production defaults). */
  rateLimits?: ApiRateLimits;
  /** Believe X-Forwarded-For (to call as several client IPs). */
  trustProxy?: boolean;
  /** The API's clock (rate-limit windows, Retry-After). */
  now?: () => Date;
}

export async function createApiHarness(options: ApiHarnessOptions = {}): Promise<ApiHarness> {
  const engine = await createTestEngine();
  const worker: Worker = await engine.createWorker();
  const running = worker.run();
  const app = await buildApiServer({
    db: engine.db,
    engine: { client: engine.client, taskQueue: engine.taskQueue },
    logger: false,
    codec: {
      keyring: engine.keyring,
      corsOrigins: options.codecCorsOrigins ?? ['http://localhost:8233'],
      ...(options.devUiToken ? { devUiToken: options.devUiToken } : {}),
    },
    ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
    ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const keys = {} as Record<ApiScope, string>;
  for (const scope of ['signup', 'ops', 'billing'] as const) {
    keys[scope] = (
      await issueApiKey(engine.db, { id: `test-${scope}`, service: scope, scopes: [scope] })
    ).key;
  }

  const call = async <T>(
    method: string,
    path: string,
    o: CallOptions = {},
  ): Promise<ApiAnswer<T>> => {
    const headers: Record<string, string> = { ...o.headers };
    const key = o.key === undefined ? keys.signup : o.key;
    if (key) headers.authorization = `Bearer ${key}`;
    const idem =
      o.idempotencyKey === undefined && method !== 'GET' ? randomUUID() : o.idempotencyKey;
    if (idem) headers['idempotency-key'] = idem;
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${url}${path}`, {
      method,
      headers,
      ...(o.body !== undefined
        ? { body: typeof o.body === 'string' ? o.body : JSON.stringify(o.body) }
        : {}),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : null) as T,
    };
  };

  return {
    engine,
    app,
    url,
    keys,
    call,
    close: async () => {
      await app.close();
      worker.shutdown();
      await running;
      await engine.close();
    },
  };
}
