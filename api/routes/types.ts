import type { FastifyInstance } from 'fastify';
import type { Database } from '../../activities/database';
import type { UpgradeClientContext } from '../../client/trial-upgrade';

/** What route handlers use: the engine's Temporal client and the database (reads, keys). */
export interface ApiDeps {
  engine: UpgradeClientContext;
  db: Database;
}

/**
 * One business area's routes (api/routes/<area>.ts), listed in api/routes/index.ts.
 * Inside: `const app = server.withTypeProvider<ZodTypeProvider>()`, then routes with
 * `config: { scopes }` (auth, problem responses and, when mutating, the
 * Idempotency-Key header are added by the server).
 */
export type ApiRouteModule = (server: FastifyInstance, deps: ApiDeps) => void | Promise<void>;
