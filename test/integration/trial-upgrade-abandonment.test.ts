import { createTestDatabase, createTimeSkippingEngine } from '../support/integration';
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
