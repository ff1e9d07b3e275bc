/**
 * Embedded PostgreSQL as a child process for restart tests (the npm package is
 * ESM, which jest's sandbox cannot load). Usage: <dataDir> <port>. Prints
 * "ready <url-of-postgres-db>" once it accepts connections; SIGTERM stops the
 * server cleanly (its data dir persists) and ends the process.
 */
import { startEmbeddedPostgres } from '../../scripts/lib/embedded-postgres';

async function main(): Promise<void> {
  const [dataDir, port] = process.argv.slice(2);
  if (!dataDir || !port) throw new Error('usage: postgres-process.ts <dataDir> <port>');
  const pg = await startEmbeddedPostgres({ dataDir, port: Number(port), persistent: true });
  process.once('SIGTERM', () => {
    pg.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
  process.stdout.write(`ready ${pg.url('postgres')}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
