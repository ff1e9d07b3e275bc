/**
 * Issue 6: a worker stopped in the middle of an upgrade, and a new one started,
 * finishes it — the new worker replays the history (no cached state) and a step
 * sent while no worker ran waits in Temporal until one does.
 */
import {
  confirmUpgrade,
  createTrialAccount,
  submitBillingAddress,
  submitCompanyAddress,
  submitPaymentMethod,
  submitPhone,
  verifyCode,
} from '../../client/trial-upgrade';
import { trialUpgradeWorkflowId } from '../../workflows/ids';
import { createTestEngine } from '../support/integration';

jest.setTimeout(90_000);

test('a worker stopped mid-upgrade and another one started finishes the upgrade', async () => {
  const engine = await createTestEngine();
  try {
    const phone = '+14155550142';
    const first = await engine.createWorker();
    const firstRun = first.run();
    const { accountId } = await createTrialAccount(engine, {
      accountId: 'acct-restart',
      displayName: 'Restart Inc',
      email: 'restart@example.com',
    });
    await submitPhone(engine, { accountId, phone });
    const message = await engine.db.devOutboxMessage.findFirstOrThrow({
      where: { phoneE164: phone },
    });
    const code = /code is (\d+)\./.exec(message.body)?.[1] ?? '';
    expect(await verifyCode(engine, { accountId, code })).toMatchObject({ verified: true });
    await submitCompanyAddress(engine, {
      accountId,
      address: {
        country: 'US',
        line1: '1 Market St',
        city: 'San Francisco',
        region: 'CA',
        postalCode: '94105',
      },
    });

    first.shutdown();
    await firstRun;

    // Sent while no worker runs: it waits in Temporal.
    const billing = submitBillingAddress(engine, { accountId, sameAsCompany: true });
    await new Promise((r) => setTimeout(r, 500));

    const second = await engine.createWorker();
    const summary = await second.runUntil(async () => {
      expect(await billing).toMatchObject({ stage: 'awaiting_payment_method' });
      await submitPaymentMethod(engine, {
        accountId,
        method: {
          type: 'card',
          number: '4242424242424242',
          expMonth: 1,
          expYear: new Date().getUTCFullYear() + 2,
          cvc: '123',
          holderName: 'R. Estart',
        },
      });
      const result = await confirmUpgrade(engine, { accountId });
      const handle = engine.client.workflow.getHandle(trialUpgradeWorkflowId(accountId));
      expect(await handle.result()).toMatchObject({ outcome: 'upgraded' });
      return result;
    });
    expect(summary).toMatchObject({
      status: 'upgraded',
      automaticRechargeEnabled: false,
      billingAddress: 'San Francisco, CA, 94105, US',
    });
    const account = await engine.db.account.findUniqueOrThrow({ where: { id: accountId } });
    expect(account).toMatchObject({
      status: 'upgraded',
      automaticRechargeEnabled: false,
      phoneE164: phone,
    });
    // One code sent, one challenge, one payment method: nothing was done twice by the replay.
    expect(await engine.db.devOutboxMessage.count({ where: { phoneE164: phone } })).toBe(1);
    expect(await engine.db.verificationChallenge.count({ where: { accountId } })).toBe(1);
    expect(await engine.db.paymentMethod.count({ where: { accountId } })).toBe(1);
    expect(await engine.db.payment.count({ where: { accountId } })).toBe(0);
  } finally {
    await engine.close();
  }
});
