import { PrismaPg } from '@prisma/adapter-pg';
import { Client, Pool, escapeLiteral, type PoolClient, type QueryResult } from 'pg';
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
  /**
   * One READ COMMITTED transaction of two statements in two round trips instead of
   * four: BEGIN goes with the first statement and COMMIT with the second, so the row
   * locks the first takes are held one round trip less (a hot coupon's queue moves
   * faster). Ends with ROLLBACK when `work` returns or throws before `commit`.
   */
  pipelinedTransaction<R>(work: (tx: PipelinedTransaction) => Promise<R>): Promise<R>;
}

export interface PipelinedTransaction {
  /** BEGIN and this statement, in one round trip: its rows. */
  begin: SqlQuery;
  /** This statement and COMMIT, in one round trip: its rows (COMMIT only if it succeeds). */
  commit: SqlQuery;
}

/** A value the pipelined statements may carry: they are sent inline, as literals. */
type InlineValue = string | number | boolean | null;

/**
 * `text` with $1..$n replaced by the values as SQL literals: the simple query protocol,
 * which alone takes several statements in one message, takes no parameters. Strings
 * through pg's escapeLiteral (quotes and backslashes escaped), numbers only if finite.
 */
export function inlineStatement(text: string, values: unknown[]): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    const value = values[Number(n) - 1] as InlineValue | undefined;
    if (value === undefined) throw new Error(`no value for $${n}`);
    if (value === null) return 'NULL';
    if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new Error(`$${n} is not a finite number`);
      return String(value);
    }
    if (typeof value !== 'string') throw new Error(`$${n} cannot be sent inline`);
    return escapeLiteral(value);
  });
}

export function sqlSession(db: Database): SqlSession {
  const pool = sqlPoolOf(db);
  if (!pool) {
    const viaPrisma =
      (q: Pick<Prisma.TransactionClient, '$queryRawUnsafe'>): SqlQuery =>
      (text, values) =>
        q.$queryRawUnsafe<Record<string, unknown>[]>(text, ...values);
    const transaction: SqlSession['transaction'] = (work) =>
      db.$transaction((tx) => work(viaPrisma(tx)), TRANSACTION_OPTIONS);
    return {
      query: viaPrisma(db),
      transaction,
      // Through Prisma, one statement a round trip: the same transaction, unpipelined.
      pipelinedTransaction: (work) => transaction((query) => work({ begin: query, commit: query })),
    };
  }
  /** A pooled connection for `work`, given back (or dropped, if its rollback failed). */
  const withClient = async <R>(
    work: (client: PoolClient, state: { open: boolean }) => Promise<R>,
  ): Promise<R> => {
    const client = await pool.connect();
    const state = { open: false };
    let broken: unknown;
    try {
      return await work(client, state);
    } catch (err) {
      if (state.open) {
        broken = await client.query('ROLLBACK').then(
          () => undefined,
          (rollbackErr: unknown) => rollbackErr,
        );
      }
      throw err;
    } finally {
      // A connection whose rollback failed is not given back to the pool.
      client.release(broken instanceof Error ? broken : undefined);
    }
  };
  const rowsOf = (client: PoolClient) => async (text: string, values: unknown[]) =>
    (await client.query(text, values)).rows;
  return {
    query: async (text, values) => (await pool.query(text, values)).rows,
    transaction: (work) =>
      withClient(async (client, state) => {
        await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
        state.open = true;
        const out = await work(rowsOf(client));
        await client.query('COMMIT');
        state.open = false;
        return out;
      }),
    pipelinedTransaction: (work) =>
      withClient(async (client, state) => {
        // Several statements in one message (no parameters): one result per statement.
        const send = async (text: string) =>
          (await client.query(text)) as unknown as QueryResult<Record<string, unknown>>[];
        const out = await work({
          begin: async (text, values) => {
            const statement = inlineStatement(text, values);
            state.open = true;
            const results = await send(`BEGIN ISOLATION LEVEL READ COMMITTED; ${statement}`);
            return results[1]?.rows ?? [];
          },
          commit: async (text, values) => {
            const results = await send(`${inlineStatement(text, values)}; COMMIT`);
            state.open = false;
            return results[0]?.rows ?? [];
          },
        });
        if (state.open) {
          await client.query('ROLLBACK');
          state.open = false;
        }
        return out;
      }),
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
