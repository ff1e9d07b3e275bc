/**
 * Issue 5 §Expiry: the couponExpirySweep workflow on a real Temporal dev server
 * and database records the expiry of lapsed coupons ('expire' movements keyed by
 * workflow id + batch), a second sweep changes nothing, and the schedule that
 * starts it is created idempotently (and really runs the sweep when triggered).
 */
import { randomUUID } from 'node:crypto';
import { checkLedgerConsistency } from '../../../activities/ledger/consistency';
import { COUPON_EXPIRY_SCHEDULE_ID, ensureCouponExpirySchedule } from '../../../worker/schedules';
import { couponExpirySweep } from '../../../workflows/coupon-expiry/workflow';
import { createTestEngine, type TestEngine } from '../../support/integration';
import { createAccount, grantCoupon } from '../../support/ledger-fixtures';
import { couponState } from '../../support/ledger-reads';

jest.setTimeout(120_000);

let engine: TestEngine;
beforeAll(async () => {
  engine = await createTestEngine();
});
afterEach(async () => {
  // The ledger check after every test (as useLedgerDatabase does).
  expect(await checkLedgerConsistency(engine.db)).toEqual({ ok: true, coupons: [], accounts: [] });
});
afterAll(async () => {
  await engine?.close();
});

/** The sweep runs at workflow time, i.e. now: lapsed coupons expired a day before it. */
const dayMs = 86_400_000;
const lapsed = (ownerAccountId: string) =>
  grantCoupon(engine.db, {
    ownerAccountId,
    effectiveAt: new Date(Date.now() - 30 * dayMs).toISOString(),
    expiresAt: new Date(Date.now() - dayMs).toISOString(),
  });

const sweep = (workflowId: string, batchSize?: number) =>
  engine.client.workflow.execute(couponExpirySweep, {
    taskQueue: engine.taskQueue,
    workflowId,
    args: [batchSize !== undefined ? { batchSize } : {}],
  });

test('one sweep records the expiry of every lapsed coupon, batch by batch; a second sweep changes nothing', async () => {
  const accountId = await createAccount(engine.db);
  const due = [await lapsed(accountId), await lapsed(accountId), await lapsed(accountId)];
  const valid = await grantCoupon(engine.db, {
    ownerAccountId: accountId,
    expiresAt: new Date(Date.now() + 30 * dayMs).toISOString(),
  });
  const first = `coupon-expiry-sweep-test-${randomUUID()}`;
  const second = `coupon-expiry-sweep-test-${randomUUID()}`;

  const [result, again] = await engine.withWorker(async () => [
    await sweep(first, 2),
    await sweep(second, 2),
  ]);

  expect(result).toMatchObject({ batches: 2, expired: 3 });
  expect(again).toMatchObject({ batches: 1, expired: 0 });
  // Ops read in the UI what the sweep did (its current details, kept after it ends).
  const metadata = await engine.withWorker(() =>
    engine.client.workflow
      .getHandle(first)
      .query<{ currentDetails?: string }>('__temporal_workflow_metadata'),
  );
  expect(metadata.currentDetails).toBe(
    `Done: 3 coupons that lapsed before ${result.at} recorded as expired.`,
  );
  for (const couponId of due) {
    expect(await couponState(engine.db, couponId)).toMatchObject({
      status: 'expired',
      balance: '100',
    });
    const movements = await engine.db.couponMovement.findMany({
      where: { couponId, kind: 'expire' },
    });
    expect(movements).toHaveLength(1);
    expect(movements[0]?.operationKey).toMatch(new RegExp(`^${first}:expire:[12]$`));
    expect(movements[0]?.balanceDelta.toString()).toBe('0');
  }
  expect(await couponState(engine.db, valid)).toMatchObject({ status: 'available' });
  expect(await engine.db.couponMovement.count({ where: { couponId: valid } })).toBe(1);
  // The second sweep wrote nothing but its (empty) operation record.
  expect(
    await engine.db.couponMovement.count({ where: { operationKey: { startsWith: second } } }),
  ).toBe(0);
});

test('the schedule is created once, hourly with overlap skip, and a triggered run sweeps', async () => {
  const handle = engine.client.schedule.getHandle(COUPON_EXPIRY_SCHEDULE_ID);
  await handle.delete().catch(() => undefined); // a leftover of an earlier run on this server
  try {
    const options = { taskQueue: engine.taskQueue };
    expect(await ensureCouponExpirySchedule(engine.client, options)).toBe('created');
    expect(await ensureCouponExpirySchedule(engine.client, options)).toBe('exists');
    const described = await handle.describe();
    expect(described.spec.intervals).toEqual([expect.objectContaining({ every: 3_600_000 })]);
    expect(described.policies.overlap).toBe('SKIP');
    expect(described.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'couponExpirySweep',
      taskQueue: engine.taskQueue,
      staticSummary: expect.stringContaining('coupon expiry sweep'),
    });

    // Started again with another task queue (a reconfigured engine): it follows, not duplicates.
    expect(await ensureCouponExpirySchedule(engine.client, { taskQueue: 'elsewhere' })).toBe(
      'exists',
    );
    expect((await handle.describe()).action).toMatchObject({ taskQueue: 'elsewhere' });
    await ensureCouponExpirySchedule(engine.client, options);

    const accountId = await createAccount(engine.db);
    const couponId = await lapsed(accountId);
    await engine.withWorker(async () => {
      await handle.trigger();
      // The triggered run's id appears among the schedule's recent actions; await its result.
      let workflowId: string | undefined;
      for (let i = 0; i < 200 && !workflowId; i++) {
        workflowId = (await handle.describe()).info.recentActions[0]?.action.workflow.workflowId;
        if (!workflowId) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(workflowId).toMatch(new RegExp(`^${COUPON_EXPIRY_SCHEDULE_ID}`));
      const run = await engine.client.workflow.getHandle(workflowId ?? '').result();
      expect(run).toMatchObject({ expired: 1 });
    });
    expect(await couponState(engine.db, couponId)).toMatchObject({ status: 'expired' });
  } finally {
    await handle.delete().catch(() => undefined);
  }
});
