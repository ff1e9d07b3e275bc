import type { DataConverter } from '@temporalio/common';
import {
  NativeConnection,
  Worker,
  type WorkerOptions,
  type WorkerPlugin,
} from '@temporalio/worker';
import { createActivities, type ActivitiesOptions } from '../activities';
import type { Database } from '../activities/database';
import { WORKFLOW_BUNDLER_OPTIONS } from './workflow-bundle';

export interface BillingWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Database;
  /** A pre-built bundle (tests build one per run); otherwise the workflow sources are bundled. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Extra interceptors (the crash harness of test/reliability injects faults with one). */
  interceptors?: WorkerOptions['interceptors'];
  /** Payload encryption (client/data-converter.ts); a pre-built bundle must include its failure converter. */
  dataConverter?: DataConverter;
  /** Bound on open workflows cached in memory (WORKER_MAX_CACHED_WORKFLOWS). */
  maxCachedWorkflows?: number;
  /** Plugins, e.g. OpenTelemetry tracing (worker/tracing.ts); a pre-built bundle must be built with them. */
  plugins?: WorkerPlugin[];
  /** Activity options (tests inject faults or other ports here); default: the environment. */
  activities?: ActivitiesOptions;
}

export async function createBillingWorker(options: BillingWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createActivities(options.db, options.activities),
    ...(options.interceptors ? { interceptors: options.interceptors } : {}),
    ...(options.plugins ? { plugins: options.plugins } : {}),
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    ...(options.maxCachedWorkflows !== undefined
      ? { maxCachedWorkflows: options.maxCachedWorkflows }
      : {}),
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : {
          workflowsPath: require.resolve('../workflows'),
          bundlerOptions: WORKFLOW_BUNDLER_OPTIONS,
        }),
  });
}
