import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { createTrialAccount, getTrialUpgradeStage } from '../../client/trial-upgrade';
import { createTestEngine, type TestEngine } from '../support/integration';
import { cancelUpgradeSignal } from '../../workflows/trial-upgrade/messages';

let engine: TestEngine;
beforeAll(async () => {
  engine = await createTestEngine();
});
afterAll(async () => {
  await engine?.close();
});

async function waitForStage(accountId: string, stage: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await getTrialUpgradeStage(engine, accountId)) === stage) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`stage never became ${stage}`);
}

describe('trial account (foundation slice)', () => {
  test('creating a trial account records it and the upgrade waits for the phone step', async () => {
    await engine.withWorker(async () => {
      const { accountId, workflowId } = await createTrialAccount(engine, {
        displayName: 'Acme KK',
        email: 'ops@acme.example',
        currency: 'JPY',
      });
      expect(workflowId).toBe(`trial-upgrade/${accountId}`);
      await waitForStage(accountId, 'awaiting_phone');

      const row = await engine.db.account.findUniqueOrThrow({ where: { id: accountId } });
      expect(row.status).toBe('trial');
      expect(row.currency).toBe('JPY');
      expect(row.fundsBalance.toString()).toBe('0');
      expect(row.automaticRechargeEnabled).toBe(false);

      const description = await engine.client.workflow.getHandle(workflowId).describe();
      expect(description.searchAttributes.AccountId).toEqual([accountId]);
      expect(description.searchAttributes.BillingStage).toEqual(['awaiting_phone']);
    });
  });

  test('starting twice for one account finds the first workflow and writes one row', async () => {
    await engine.withWorker(async () => {
      const first = await createTrialAccount(engine, {
        accountId: 'acct-twice',
        displayName: 'Twice',
        email: 'twice@example.com',
      });
      const second = await createTrialAccount(engine, {
        accountId: 'acct-twice',
        displayName: 'Twice',
        email: 'twice@example.com',
      });
      expect(second.handle.firstExecutionRunId).toBe(first.handle.firstExecutionRunId);
      await waitForStage('acct-twice', 'awaiting_phone');
      expect(await engine.db.account.count({ where: { id: 'acct-twice' } })).toBe(1);
    });
  });

  test('a cancelled upgrade ends as cancelled and the account stays a trial', async () => {
    await engine.withWorker(async () => {
      const { accountId, handle } = await createTrialAccount(engine, {
        displayName: 'Leaver',
        email: 'leaver@example.com',
      });
      await waitForStage(accountId, 'awaiting_phone');
      await handle.signal(cancelUpgradeSignal, { reason: 'customer left' });
      expect(await handle.result()).toEqual({ accountId, outcome: 'cancelled' });
      const row = await engine.db.account.findUniqueOrThrow({ where: { id: accountId } });
      expect(row.status).toBe('trial');
    });
  });

  test('the reference catalog holds every excluded product and commodity code', async () => {
    const codes = new Set(
      (await engine.db.product.findMany()).flatMap((p) => [p.productCode, p.commodityCode]),
    );
    for (const code of [
      'dysms',
      'dyvms',
      'domain',
      'oceanbase',
      'man',
      'hardware_mpdprint',
      'sgcmgj00035763',
    ]) {
      expect(codes).toContain(code);
    }
  });
});

// Kept referenced so a rename of the SDK error shows up at compile time.
void WorkflowExecutionAlreadyStartedError;
