/**
 * The worker as a separate process for crash tests (issue 9). Same worker as
 * production (createBillingWorker) plus one fault: with CRASH_AT=<activity>:before
 * the process kills itself (SIGKILL, no cleanup) when that activity starts; with
 * <activity>:after it runs the activity (its transaction commits) and dies before
 * Temporal hears the result, so the server retries it on the next worker. That
 * is the case idempotency keys exist for.
 */
import type {
  ActivityInboundCallsInterceptor,
  ActivityExecuteInput,
  Next,
} from '@temporalio/worker';
import { NativeConnection, Runtime } from '@temporalio/worker';
import type { Context } from '@temporalio/activity';
import { createDatabase } from '../../activities/database';
import { parseKeyring } from '../../client/codec';
import { engineDataConverter } from '../../client/data-converter';
import { parseEngineEnv } from '../../worker/config';
import { createEngineLogger, runtimeOptions } from '../../worker/logging';
import { createBillingWorker } from '../../worker/worker';

const need = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const [crashActivity, crashWhen] = (process.env.CRASH_AT ?? '').split(':');

const die = (): never => {
  process.stdout.write(`crash ${process.env.CRASH_AT}\n`);
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
};

class CrashInterceptor implements ActivityInboundCallsInterceptor {
  constructor(private readonly activityType: string) {}
  async execute(
    input: ActivityExecuteInput,
    next: Next<ActivityInboundCallsInterceptor, 'execute'>,
  ): Promise<unknown> {
    if (this.activityType !== crashActivity) return next(input);
    if (crashWhen === 'before') die();
    const result = await next(input);
    if (crashWhen === 'after') die();
    return result;
  }
}

async function main(): Promise<void> {
  // The production logger (worker/main.ts): pino JSON on stdout at LOG_LEVEL.
  const { LOG_LEVEL } = parseEngineEnv();
  Runtime.install(
    runtimeOptions(createEngineLogger(LOG_LEVEL), { LOG_LEVEL, METRICS_BIND_ADDRESS: 'off' }),
  );
  const db = createDatabase(need('CRASH_DATABASE_URL'));
  const connection = await NativeConnection.connect({ address: need('CRASH_TEMPORAL_ADDRESS') });
  const worker = await createBillingWorker({
    connection,
    namespace: 'default',
    taskQueue: need('CRASH_TASK_QUEUE'),
    db,
    workflowBundle: { codePath: need('CRASH_WORKFLOW_BUNDLE') },
    // The same payload keys as the test's client, or it could not read the inputs.
    dataConverter: engineDataConverter(parseKeyring(need('CRASH_PAYLOAD_KEYS'))),
    interceptors: {
      activity: [(ctx: Context) => ({ inbound: new CrashInterceptor(ctx.info.activityType) })],
    },
  });
  process.stdout.write('ready\n');
  await worker.run();
  await connection.close();
  await db.$disconnect();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
