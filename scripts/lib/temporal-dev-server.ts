import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { ENGINE_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

const ROOT = path.resolve(__dirname, '..', '..');

/** Finds (or builds) the Temporal CLI through scripts/temporal-cli.sh; its progress shows on stderr. */
export async function findTemporalCli(): Promise<string> {
  const { stdout } = await promisify(execFile)(
    'bash',
    [path.join(ROOT, 'scripts', 'temporal-cli.sh')],
    {
      maxBuffer: 1 << 20,
    },
  ).catch((err: { stderr?: string }) => {
    throw new Error(err.stderr?.trim() || 'could not find or build the Temporal CLI');
  });
  return stdout.trim();
}

export interface DevServerOptions {
  port: number;
  /** Web UI port, or null for a headless server (tests). */
  uiPort: number | null;
  /** SQLite file for persistence, or null for in-memory state. */
  dbFile: string | null;
  namespace?: string;
  /** Codec server URL the UI should use to decode payloads. */
  uiCodecEndpoint?: string;
  log?: (line: string) => void;
}

export interface RunningDevServer {
  address: string;
  uiUrl: string | null;
  process: ChildProcess;
  stop: () => Promise<void>;
}

/** How much of the dev server's last output an early exit's error quotes (characters). */
const PRINTED_KEPT = 4000;
/** Starts tried before an exit before ready is an error, and the pause between them. */
const START_ATTEMPTS = 3;
const RETRY_AFTER_MS = 1000;

/** The CLI's dev server with every engine search attribute registered. */
export async function startTemporalDevServer(options: DevServerOptions): Promise<RunningDevServer> {
  const cli = await findTemporalCli();
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--namespace',
    options.namespace ?? 'default',
    '--log-level',
    'error',
  ];
  if (options.uiPort === null) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort));
  if (options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  if (options.dbFile) {
    await mkdir(path.dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  for (const key of ENGINE_SEARCH_ATTRIBUTES)
    args.push('--search-attribute', `${key.name}=Keyword`);

  // An exit before it is ready is tried again a few times: the server binds ports of its
  // own choosing beside ours (one can be taken between its choice and its bind by whatever
  // else starts on the machine), and a server that stopped just before may still be
  // letting go of the SQLite file. A port of ours held by another program fails every time,
  // and the last error says so.
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(cli, args, options);
    } catch (err) {
      if (!(err instanceof DevServerExited) || attempt >= START_ATTEMPTS) throw err;
      options.log?.(`${err.message}\n(trying again, ${attempt + 1} of ${START_ATTEMPTS})\n`);
      await new Promise((r) => setTimeout(r, RETRY_AFTER_MS));
    }
  }
}

/** The dev server exited before it was ready; the message quotes its last output. */
class DevServerExited extends Error {}

/** Starts the server once and waits until it answers health checks. */
async function launch(
  cli: string,
  args: string[],
  options: DevServerOptions,
): Promise<RunningDevServer> {
  const child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // Never leave an orphaned server behind, however this process ends.
  const killOnExit = (): void => void child.kill('SIGTERM');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  const log = options.log ?? (() => undefined);
  // The end of what it printed, for the error when it exits before it is ready (its
  // log level is error, so that is its reason: a port in use, a locked database file).
  let printed = '';
  const take = (chunk: Buffer): void => {
    const text = chunk.toString();
    printed = (printed + text).slice(-PRINTED_KEPT);
    log(text);
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  const address = `127.0.0.1:${options.port}`;
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

  const deadline = Date.now() + 60_000;
  for (;;) {
    const code = await Promise.race([exited, new Promise((r) => setTimeout(r, 250, 'waiting'))]);
    if (code !== 'waiting') {
      const said = printed.trim();
      throw new DevServerExited(
        `temporal server start-dev exited (code ${String(code)})${said ? `:\n${said}` : ''}`,
      );
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: '1s' });
      await connection.healthService.check({});
      await connection.close();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`Temporal dev server did not become ready on ${address}`);
      }
    }
  }
  return {
    address,
    uiUrl: options.uiPort === null ? null : `http://localhost:${options.uiPort}`,
    process: child,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
