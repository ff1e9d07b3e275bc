/**
 * A throwaway embedded PostgreSQL for a benchmark run: migrated and seeded like
 * the engine's, under .data/bench, on its own port (BENCH_POSTGRES_PORT).
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { createDatabase, type Database } from '../../activities/database';
import { seedReferenceData } from '../../prisma/seed-data';
import { startEmbeddedPostgres } from '../../scripts/lib/embedded-postgres';
import { migrateDeploy } from '../../scripts/lib/migrate';

export interface BenchDatabase {
  db: Database;
  url: string;
  /** Its data directory (bench/lib/cpu.ts reads the server's CPU through it). */
  dataDir: string;
  stop: () => Promise<void>;
}

export async function startBenchDatabase(): Promise<BenchDatabase> {
  const dataDir = path.resolve(__dirname, '..', '..', '.data', 'bench', 'postgres');
  await rm(dataDir, { recursive: true, force: true });
  const postgres = await startEmbeddedPostgres({
    dataDir,
    port: Number(process.env.BENCH_POSTGRES_PORT ?? 55999),
    persistent: false,
  });
  const admin = new PgClient({ connectionString: postgres.url('postgres') });
  await admin.connect();
  await admin.query('CREATE DATABASE bench');
  await admin.end();
  const url = postgres.url('bench');
  await migrateDeploy(url);
  const db = createDatabase(url);
  await seedReferenceData(db);
  return {
    db,
    url,
    dataDir,
    stop: async () => {
      await db.$disconnect();
      await postgres.stop();
    },
  };
}
