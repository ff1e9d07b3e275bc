/**
 * Issue 8 §Observability: with tracing on (worker/tracing.ts), a client call, the
 * workflow it starts and that workflow's activities are spans of ONE trace, and no
 * span carries a payload (coupon ids and workflow ids, never amounts or addresses).
 * The worker bundles its own workflow code here, with the tracing plugin, as
 * `npm start` and `npm run worker` do.
 */
import { randomUUID } from 'node:crypto';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { engineDataConverter } from '../../client/data-converter';
import { createBillingWorker } from '../../worker/worker';
import { engineTracing } from '../../worker/tracing';
import { couponExpirySweep } from '../../workflows/coupon-expiry/workflow';
import { TEST_ENV } from '../setup/services';
import { createTestDatabase, testKeyring } from '../support/integration';
import { createAccount, grantCoupon } from '../support/ledger-fixtures';

jest.setTimeout(120_000);

test('a client call, its workflow and its activities are spans of one trace', async () => {
  const exporter = new InMemorySpanExporter();
  const tracing = engineTracing(new SimpleSpanProcessor(exporter), 'billing-engine-test');
  const address = process.env[TEST_ENV.temporalAddress] ?? '';
  const database = await createTestDatabase();
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const dataConverter = engineDataConverter(testKeyring());
  const taskQueue = `tracing-${randomUUID()}`;
  try {
    const accountId = await createAccount(database.db, { status: 'upgraded' });
    const dayMs = 86_400_000;
    await grantCoupon(database.db, {
      ownerAccountId: accountId,
      effectiveAt: new Date(Date.now() - 30 * dayMs).toISOString(),
      expiresAt: new Date(Date.now() - dayMs).toISOString(),
    });
    const client = new Client({
      connection,
      namespace: 'default',
      dataConverter,
      plugins: [tracing.plugin],
    });
    const worker = await createBillingWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      db: database.db,
      dataConverter,
      plugins: [tracing.plugin],
    });
    const workflowId = `tracing-sweep-${randomUUID()}`;
    const result = await worker.runUntil(
      client.workflow.execute(couponExpirySweep, { taskQueue, workflowId, args: [{}] }),
    );
    expect(result.expired).toBe(1);
    // Simple processor: each span is exported as it ends (shutdown would clear them).
    const spans = exporter.getFinishedSpans();
    const names = spans.map((s) => s.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'StartWorkflow:couponExpirySweep',
        'RunWorkflow:couponExpirySweep',
        'StartActivity:expireCoupons',
        'RunActivity:expireCoupons',
      ]),
    );
    const traceIds = new Set(spans.map((s) => s.spanContext().traceId));
    expect(traceIds.size).toBe(1);
    const run = spans.find((s) => s.name === 'RunActivity:expireCoupons');
    const start = spans.find((s) => s.name === 'StartActivity:expireCoupons');
    expect(run?.parentSpanId).toBe(start?.spanContext().spanId);
    // Names and ids only: nothing of the workflow's input or the activity's result.
    const attributes = JSON.stringify(spans.map((s) => s.attributes));
    expect(attributes).toContain(workflowId);
    expect(attributes).not.toContain(accountId);
  } finally {
    await tracing.shutdown();
    await connection.close();
    await nativeConnection.close();
    await database.drop();
  }
});
