import { createTestDatabase, createTimeSkippingEngine } from '../support/integration';
import {
  createTrialAccount,
  getTrialUpgradeStage,
  submitPhone,
  verifyCode,
} from '../../client/trial-upgrade';
import { trialUpgradeWorkflowId } from '../../workflows/ids';
import type { trialUpgrade } from '../../workflows/trial-upgrade/workflow';

jest.setTimeout(60_000);

test('an upgrade with no step for the 30-day idle timeout ends as abandoned; the account stays a trial', async () => {
  const database = await createTestDatabase();
  const engine = await createTimeSkippingEngine(database.db);
  try {
    const worker = await engine.createWorker();
    const result = await worker.runUntil(
      engine.env.client.workflow.execute<typeof trialUpgrade>('trialUpgrade', {
        taskQueue: engine.taskQueue,
        workflowId: trialUpgradeWorkflowId('acct-idle'),
        args: [
          {
            accountId: 'acct-idle',
            displayName: 'Idle',
            email: 'idle@example.com',
            currency: 'USD',
          },
        ],
      }),
    );
    expect(result).toEqual({ accountId: 'acct-idle', outcome: 'abandoned' });
    const account = await database.db.account.findUniqueOrThrow({ where: { id: 'acct-idle' } });
    expect(account.status).toBe('trial');
  } finally {
    await engine.env.teardown();
    await database.drop();
  }
});

test('every step restarts the configured idle timeout; a code expires on the workflow clock; then abandoned', async () => {
  const database = await createTestDatabase();
  const engine = await createTimeSkippingEngine(database.db);
  try {
    const worker = await engine.createWorker();
    const ctx = { client: engine.env.client, taskQueue: engine.taskQueue };
    const accountId = 'acct-idle-reset';
    const phone = '+442071838750';
    await worker.runUntil(async () => {
      const { handle } = await createTrialAccount(ctx, {
        accountId,
        displayName: 'Slow Ltd',
        email: 'slow@example.com',
        policy: { idleTimeout: '10 days' },
      });
      await engine.env.sleep('8 days');
      await submitPhone(ctx, { accountId, phone }); // day 8: the idle deadline moves to day 18
      await engine.env.sleep('8 days'); // day 16: past the first deadline, before the second
      expect(await getTrialUpgradeStage(ctx, accountId)).toBe('awaiting_code');

      // The 10-minute code, typed 8 days later, has expired (measured on workflow time).
      const message = await database.db.devOutboxMessage.findFirstOrThrow({
        where: { phoneE164: phone },
      });
      const code = /code is (\d+)\./.exec(message.body)?.[1] ?? '';
      expect(await verifyCode(ctx, { accountId, code })).toMatchObject({
        verified: false,
        reason: 'code_expired',
      });

      expect(await handle.result()).toEqual({ accountId, outcome: 'abandoned' });
      expect((await handle.describe()).searchAttributes.BillingStage).toEqual(['abandoned']);
    });
    const account = await database.db.account.findUniqueOrThrow({ where: { id: accountId } });
    expect(account).toMatchObject({ status: 'trial', phoneE164: null, upgradedAt: null });
  } finally {
    await engine.env.teardown();
    await database.drop();
  }
});

test('steps do not restart a timer each: one idle timer runs across them and is moved only when it fires', async () => {
  const database = await createTestDatabase();
  const engine = await createTimeSkippingEngine(database.db);
  try {
    const worker = await engine.createWorker();
    const ctx = { client: engine.env.client, taskQueue: engine.taskQueue };
    const accountId = 'acct-idle-timer';
    await worker.runUntil(async () => {
      const { handle } = await createTrialAccount(ctx, {
        accountId,
        displayName: 'Timer Ltd',
        email: 'timer@example.com',
        policy: { idleTimeout: '10 days' },
      });
      await submitPhone(ctx, { accountId, phone: '+442071838751' });
      await engine.env.sleep('2 days');
      await submitPhone(ctx, { accountId, phone: '+442071838752' });
      await engine.env.sleep('7 days'); // day 9: the first timer (day 10) has not fired yet
      let events = (await handle.fetchHistory()).events ?? [];
      expect(events.filter((e) => e.timerStartedEventAttributes)).toHaveLength(1);
      expect(events.filter((e) => e.timerCanceledEventAttributes)).toHaveLength(0);

      // Day 10: it fires, finds the last step on day 2, and waits until day 12; then abandoned.
      expect(await handle.result()).toEqual({ accountId, outcome: 'abandoned' });
      events = (await handle.fetchHistory()).events ?? [];
      expect(events.filter((e) => e.timerStartedEventAttributes)).toHaveLength(2);
      expect(events.filter((e) => e.timerFiredEventAttributes)).toHaveLength(2);
      expect(events.filter((e) => e.timerCanceledEventAttributes)).toHaveLength(0);
    });
  } finally {
    await engine.env.teardown();
    await database.drop();
  }
});
