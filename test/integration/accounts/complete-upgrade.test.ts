/**
 * completeTrialUpgrade ("Upgrade Account", seed 000 step 8) on the real database:
 * the first attempt upgrades in one statement, a retry finds the account
 * upgraded and changes nothing but keeping recharge off, and a refusal writes
 * nothing.
 */
import { createAccountActivities } from '../../../activities/accounts';
import { createDevPaymentGateway } from '../../../activities/payment/dev-gateway';
import { createPaymentActivities } from '../../../activities/payment/activities';
import { useLedgerDatabase } from '../../support/ledger-harness';
import { createAccount, uid } from '../../support/ledger-fixtures';
import { TEST_CARD } from '../../support/trial-upgrade-steps';

jest.setTimeout(60_000);
const t = useLedgerDatabase();
const ADDRESS = { country: 'JP', line1: '1-2-3 Marunouchi', city: 'Tokyo', postalCode: '100-0005' };
const AT = '2026-12-01T10:00:00.000Z';

async function trialWithCard(): Promise<{ accountId: string; paymentMethodId: string }> {
  const accountId = await createAccount(t.db, { status: 'trial' });
  const gateway = createDevPaymentGateway();
  const method = await gateway.tokenize(TEST_CARD, `${accountId}:card`);
  const { paymentMethodId } = await createPaymentActivities(t.db, {
    gateway,
  }).recordPaymentMethod({ accountId, method, operationKey: `${accountId}:method` });
  return { accountId, paymentMethodId };
}

const input = (accountId: string, paymentMethodId: string) => ({
  accountId,
  phoneE164: '+819012345678',
  phoneVerifiedAt: AT,
  companyAddress: ADDRESS,
  billingAddress: ADDRESS,
  billingSameAsCompany: true,
  paymentMethodId,
  at: AT,
});

test('upgrades the trial account with its phone and addresses, recharge off; a retry changes nothing', async () => {
  const accounts = createAccountActivities(t.db);
  const { accountId, paymentMethodId } = await trialWithCard();
  // Whatever the row said before, the upgrade leaves automatic recharge off.
  await t.db.account.update({
    where: { id: accountId },
    data: { automaticRechargeEnabled: true },
  });
  const first = await accounts.completeTrialUpgrade(input(accountId, paymentMethodId));
  expect(first).toMatchObject({
    accountId,
    status: 'upgraded',
    upgradedAt: AT,
    automaticRechargeEnabled: false,
  });
  const row = await t.db.account.findUniqueOrThrow({ where: { id: accountId } });
  expect(row).toMatchObject({
    status: 'upgraded',
    automaticRechargeEnabled: false,
    phoneE164: '+819012345678',
    billingAddress: { ...ADDRESS, sameAsCompany: true },
  });

  const retry = await accounts.completeTrialUpgrade({
    ...input(accountId, paymentMethodId),
    at: '2026-12-02T10:00:00.000Z',
  });
  expect(retry).toEqual(first);
});

test('refusals write nothing: a payment method of another account, an unknown account', async () => {
  const accounts = createAccountActivities(t.db);
  const { accountId } = await trialWithCard();
  const other = await trialWithCard();
  await expect(
    accounts.completeTrialUpgrade(input(accountId, other.paymentMethodId)),
  ).rejects.toMatchObject({ type: 'payment_method_not_found' });
  expect(await t.db.account.findUniqueOrThrow({ where: { id: accountId } })).toMatchObject({
    status: 'trial',
    upgradedAt: null,
    phoneE164: null,
  });
  await expect(
    accounts.completeTrialUpgrade(input(uid('acct'), other.paymentMethodId)),
  ).rejects.toMatchObject({ type: 'account_not_found' });
});
