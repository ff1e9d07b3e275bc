import { PrismaPg } from '@prisma/adapter-pg';
import { Client, Pool } from 'pg';
import { PrismaClient } from '../generated/prisma/client';
import { ConfigError } from '../worker/config';

export type Database = PrismaClient;

/** Each database's pg pool, which its Prisma adapter uses too (one connection budget). */
const pools = new WeakMap<Database, Pool>();

export function createDatabase(url: string): Database {
  const pool = new Pool({
    connectionString: url,
    // Bounds the ledger's own transactions (activities/ledger/snapshot.ts) as Prisma's
    // transaction options bound its: a wait for a pooled connection, a lock wait, and a
    // transaction left open by a stalled caller each end with an error the activity's
    // retry policy handles, instead of holding coupon rows until the activity times out.
    connectionTimeoutMillis: 20_000,
    lock_timeout: 30_000,
    idle_in_transaction_session_timeout: 60_000,
  });
  // An idle connection dropped by the server (restart, shutdown) is discarded by the
  // pool; without a listener its 'error' event would crash the process.
  pool.on('error', () => undefined);
  // The adapter ends the pool on $disconnect, as it would its own.
  const db = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  pools.set(db, pool);
  return db;
}

/**
 * The database's pg pool, for the few hot statements where Prisma's per-query
 * cost dominates (activities/ledger/snapshot.ts); undefined when the client was
 * not made by createDatabase or its pool has ended.
 */
export function sqlPoolOf(db: Database): Pool | undefined {
  const pool = pools.get(db);
  return pool && !pool.ending && !pool.ended ? pool : undefined;
}

/** One `SELECT 1`, so a wrong DATABASE_URL stops start-up with one line naming it. */
export async function checkDatabaseReachable(
  url: string,
  variable = 'DATABASE_URL',
): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    const where = safeUrl(url);
    throw new ConfigError(
      `${variable}: cannot connect to PostgreSQL at ${where} (${(err as Error).message})`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The URL without its password, for messages and logs. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
