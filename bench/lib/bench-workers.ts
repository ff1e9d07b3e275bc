/**
 * The upgrade bench's workers in a process of their own, as a deployment runs them:
 * the engine's worker (worker/worker.ts, on the bench database) and the bare
 * workflows' worker, side by side. The bench's client then does not share their
 * event loop, and the memory read is the worker process's own.
 *
 * Started by `startBenchWorkers` below (bench/upgrade.ts); as a child it reads its
 * settings from the environment and answers the parent's messages.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createDatabase } from '../../activities/database';
import { createBillingWorker } from '../../worker/worker';

/** Parent → child. */
type Request = { type: 'rss' } | { type: 'stop' };
/** Child → parent. */
type Reply = { type: 'ready' } | { type: 'rss'; rss: number } | { type: 'failed'; message: string };

export interface BenchWorkersOptions {
  temporalAddress: string;
  databaseUrl: string;
  /** The engine's task queue; the bare workflows' is `<taskQueue>-bare`. */
  taskQueue: string;
  maxCachedWorkflows?: number;
}

export interface BenchWorkers {
  pid: number;
  /** The worker process's resident memory in bytes, after a garbage collection. */
  rss: () => Promise<number>;
  stop: () => Promise<void>;
}

export async function startBenchWorkers(options: BenchWorkersOptions): Promise<BenchWorkers> {
  const child: ChildProcess = fork(__filename, [], {
    // BENCH_WORKERS_NODE_ARGS adds Node flags, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
    // to profile the workers' process (NODE_OPTIONS does not take --cpu-prof).
    execArgv: [
      '--import',
      'tsx',
      '--expose-gc',
      ...(process.env.BENCH_WORKERS_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
    ],
    env: {
      ...process.env,
      BENCH_WORKERS_CHILD: '1',
      TEMPORAL_ADDRESS: options.temporalAddress,
      DATABASE_URL: options.databaseUrl,
      BENCH_TASK_QUEUE: options.taskQueue,
      ...(options.maxCachedWorkflows !== undefined
        ? { WORKER_MAX_CACHED_WORKFLOWS: String(options.maxCachedWorkflows) }
        : {}),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const next = (type: Reply['type']): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const onMessage = (reply: Reply) => {
        if (reply.type === 'failed') reject(new Error(`bench workers: ${reply.message}`));
        else if (reply.type === type) resolve(reply);
        else return;
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      const onExit = (code: number | null) =>
        reject(new Error(`bench workers exited (${code ?? 'signal'})`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const send = (request: Request) => child.send(request);
  await next('ready');
  if (child.pid === undefined) throw new Error('bench workers: no pid');
  return {
    pid: child.pid,
    rss: async () => {
      const reply = next('rss');
      send({ type: 'rss' });
      const answer = await reply;
      return answer.type === 'rss' ? answer.rss : 0;
    },
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      send({ type: 'stop' });
      await exited;
      process.off('exit', killOnExit);
    },
  };
}

async function runAsChild(): Promise<void> {
  const reply = (message: Reply) => process.send?.(message);
  const env = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
  };
  try {
    const taskQueue = env('BENCH_TASK_QUEUE');
    const connection = await NativeConnection.connect({ address: env('TEMPORAL_ADDRESS') });
    const db = createDatabase(env('DATABASE_URL'));
    const cached = process.env.WORKER_MAX_CACHED_WORKFLOWS;
    const workers = [
      await createBillingWorker({
        connection,
        namespace: 'default',
        taskQueue,
        db,
        ...(cached ? { maxCachedWorkflows: Number(cached) } : {}),
      }),
      await Worker.create({
        connection,
        taskQueue: `${taskQueue}-bare`,
        workflowsPath: require.resolve('../workflows/bare'),
        activities: { noop: async () => undefined },
      }),
    ];
    process.on('message', (request: Request) => {
      if (request.type === 'rss') {
        global.gc?.();
        reply({ type: 'rss', rss: process.memoryUsage().rss });
      } else {
        for (const worker of workers) worker.shutdown();
      }
    });
    const running = Promise.all(workers.map((w) => w.run()));
    reply({ type: 'ready' });
    await running;
    await db.$disconnect();
    await connection.close();
    process.exit(0);
  } catch (err) {
    reply({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  }
}

if (process.env.BENCH_WORKERS_CHILD === '1') void runAsChild();
