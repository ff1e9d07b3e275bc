/**
 * Crash scenarios of orders and bills (issue 9). Each scenario gets a task queue
 * of its own, a worker process that SIGKILLs itself at the chosen point
 * (test/reliability/crash-worker.ts) and then a fresh worker that takes over, so
 * the scenarios of a file can run at once: each one waits out an activity's
 * start-to-close timeout before Temporal retries it, and waiting in parallel keeps
 * the file's time near the longest single timeout.
 */
import { randomUUID } from 'node:crypto';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { EngineClientContext } from '../../client/trial-upgrade';
import { createBillingWorker } from '../../worker/worker';
import { TEST_ENV } from '../setup/services';
import type { TestEngine } from './integration';
import { startWorkerProcess, type WorkerProcess } from './worker-process';
import { engineDataConverter } from '../../client/data-converter';

export interface CrashRun {
  ctx: EngineClientContext;
  /** Resolves once the crashing process has died of SIGKILL and a new worker polls. */
  tookOver: Promise<void>;
  crashed: WorkerProcess;
}

/**
 * Starts a worker process that dies at `crashAt` on a new task queue; once it
 * died, starts an in-process worker on the same queue. `stopAll` ends both.
 */
export function crashHarness(engine: () => TestEngine) {
  const stops: (() => Promise<void>)[] = [];
  let connection: NativeConnection | undefined;

  const start = async (crashAt: string): Promise<CrashRun> => {
    const taskQueue = `crash-${randomUUID()}`;
    const crashed = startWorkerProcess({
      databaseUrl: engine().databaseUrl,
      taskQueue,
      crashAt,
    });
    stops.push(() => crashed.stop());
    await crashed.ready;
    const tookOver = crashed.exited.then(async (exit) => {
      if (exit.signal !== 'SIGKILL' || !crashed.output().includes(`crash ${crashAt}`)) {
        throw new Error(
          `worker did not crash at ${crashAt}: ${JSON.stringify(exit)}\n${crashed.output()}`,
        );
      }
      connection ??= await NativeConnection.connect({
        address: process.env[TEST_ENV.temporalAddress] ?? '',
      });
      const worker: Worker = await createBillingWorker({
        connection,
        namespace: 'default',
        taskQueue,
        db: engine().db,
        workflowBundle: { codePath: process.env[TEST_ENV.workflowBundle] ?? '' },
        dataConverter: engineDataConverter(engine().keyring),
      });
      const running = worker.run();
      stops.push(async () => {
        worker.shutdown();
        await running;
      });
    });
    return { ctx: { client: engine().client, taskQueue }, tookOver, crashed };
  };

  const stopAll = async (): Promise<void> => {
    await Promise.allSettled(stops.splice(0).map((stop) => stop()));
    await connection?.close();
    connection = undefined;
  };

  return { start, stopAll };
}

/** Runs every scenario at once; fails with every scenario's error, named. */
export async function runAll(scenarios: Record<string, () => Promise<void>>): Promise<void> {
  const names = Object.keys(scenarios);
  const results = await Promise.allSettled(names.map((name) => scenarios[name]!()));
  const failures = results.flatMap((r, i) =>
    r.status === 'rejected'
      ? [`${names[i]}: ${(r.reason as Error)?.stack ?? String(r.reason)}`]
      : [],
  );
  if (failures.length > 0) throw new Error(failures.join('\n\n'));
}
