import { PrismaPg } from '@prisma/adapter-pg';
import { Client, Pool } from 'pg';
import { Prisma, PrismaClient } from '../generated/prisma/client';
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

/** Interactive transactions (Prisma's, and the SQL session's fallback to it). */
export const TRANSACTION_OPTIONS = {
  // Many operations may queue on one coupon row; give them time to get a connection.
  maxWait: 20_000,
  timeout: 30_000,
  isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted,
} as const;

/** Runs one parameterised statement; returns its rows. */
export type SqlQuery = (text: string, values: unknown[]) => Promise<Record<string, unknown>[]>;

/**
 * How a hot path's statements reach PostgreSQL: through the database's pg pool
 * (a Prisma query costs about 1 ms of JS, a pg one 0.3 ms: bench/ledger-profile.ts),
 * or through Prisma when the client has no pool of ours. Timestamps go in as ISO
 * text cast with `::timestamptz AT TIME ZONE 'UTC'` and come out `AT TIME ZONE 'UTC'`
 * (timestamptz), so neither side depends on the process's time zone.
 */
export interface SqlSession {
  query: SqlQuery;
  /** One READ COMMITTED transaction on one connection. */
  transaction<R>(work: (query: SqlQuery) => Promise<R>): Promise<R>;
}

export function sqlSession(db: Database): SqlSession {
  const pool = sqlPoolOf(db);
  if (!pool) {
    const viaPrisma =
      (q: Pick<Prisma.TransactionClient, '$queryRawUnsafe'>): SqlQuery =>
      (text, values) =>
        q.$queryRawUnsafe<Record<string, unknown>[]>(text, ...values);
    return {
      query: viaPrisma(db),
      transaction: (work) => db.$transaction((tx) => work(viaPrisma(tx)), TRANSACTION_OPTIONS),
    };
  }
  return {
    query: async (text, values) => (await pool.query(text, values)).rows,
    transaction: async (work) => {
      const client = await pool.connect();
      let broken: unknown;
      try {
        await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
        const out = await work(async (text, values) => (await client.query(text, values)).rows);
        await client.query('COMMIT');
        return out;
      } catch (err) {
        broken = await client.query('ROLLBACK').then(
          () => undefined,
          (rollbackErr: unknown) => rollbackErr,
        );
        throw err;
      } finally {
        // A connection whose rollback failed is not given back to the pool.
        client.release(broken instanceof Error ? broken : undefined);
      }
    },
  };
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
