/**
 * Runs test/reliability/crash-worker.ts as a child process, so a test can kill
 * the worker for real (SIGKILL) and start another on the same task queue.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { TEST_ENV } from '../setup/services';
import { TEST_PAYLOAD_KEYS } from './integration';

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves when the worker is about to poll. */
  ready: Promise<void>;
  /** Resolves with the signal or code the process ended with. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything the process wrote (stdout and stderr). */
  output: () => string;
  stop: () => Promise<void>;
}

const ROOT = path.resolve(__dirname, '..', '..');

export function startWorkerProcess(options: {
  databaseUrl: string;
  taskQueue: string;
  /** `<activityType>:before` or `<activityType>:after`: the process SIGKILLs itself there. */
  crashAt?: string;
  /** The worker's pino log level (its JSON lines are in `output()`); default WARN. */
  logLevel?: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}): WorkerProcess {
  // node itself (with tsx as a loader), so a SIGKILL ends the very process we watch.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'test', 'reliability', 'crash-worker.ts')],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        CRASH_DATABASE_URL: options.databaseUrl,
        CRASH_TEMPORAL_ADDRESS: process.env[TEST_ENV.temporalAddress] ?? '',
        CRASH_TASK_QUEUE: options.taskQueue,
        CRASH_WORKFLOW_BUNDLE: process.env[TEST_ENV.workflowBundle] ?? '',
        CRASH_AT: options.crashAt ?? '',
        CRASH_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
        LOG_LEVEL: options.logLevel ?? 'WARN',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const onData = (chunk: Buffer): void => {
    output += chunk.toString();
    if (output.includes('ready\n')) markReady();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  // 'close', not 'exit': 'exit' may come before the last output is read from the pipes,
  // and the crash line written just before the SIGKILL must be in `output()` by then.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    ready: Promise.race([
      ready,
      exited.then(() => {
        throw new Error(`worker process ended before it was ready:\n${output}`);
      }),
    ]),
    exited,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
