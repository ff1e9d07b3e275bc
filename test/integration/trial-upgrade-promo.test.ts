/**
 * Issue 6 / seed 000: promo codes in the trial upgrade and on upgraded accounts,
 * with the ledger's `checkCode` and `redeemCode` on real RedemptionCode rows.
 * A code that serves the upgrade is applied at upgrade; a valid code that cannot
 * is applied right after it (as Add Funds > Promo Code); unknown, expired and
 * used codes are refused with their reason and nothing is written.
 */
import type { Worker } from '@temporalio/worker';
import {
  addFundsWithPromoCode,
  confirmUpgrade,
  createTrialAccount,
  getUpgradeDetails,
  promoCodeWorkflowId,
  submitBillingAddress,
  submitCompanyAddress,
  submitPaymentMethod,
  submitPhone,
  submitPromoCode,
  TrialUpgradeRefusal,
  verifyCode,
} from '../../client/trial-upgrade';
import { createTestEngine, type TestEngine } from '../support/integration';
import { recordHistory } from '../support/replay';
import { trialUpgradeWorkflowId } from '../../workflows/ids';
import { createCouponCode, createFundsCode } from '../support/ledger-fixtures';

jest.setTimeout(60_000);

let engine: TestEngine;
let worker: Worker;
let running: Promise<void>;
beforeAll(async () => {
  engine = await createTestEngine();
  worker = await engine.createWorker();
  running = worker.run();
  const day = 24 * 3600_000;
  const now = Date.now();
  const iso = (ms: number): string => new Date(ms).toISOString();
  await createFundsCode(engine.db, { code: 'UPGRADE50', amount: '50.00' });
  await createFundsCode(engine.db, { code: 'TOPUP20', amount: '20.00', servesTrialUpgrade: false });
  await createFundsCode(engine.db, {
    code: 'EXPIRED10',
    amount: '10.00',
    validFrom: iso(now - 30 * day),
    validUntil: iso(now - day),
  });
  await createFundsCode(engine.db, {
    code: 'USEDUP5',
    amount: '5.00',
    maxRedemptions: 1,
    redemptionCount: 1,
  });
  await createFundsCode(engine.db, { code: 'LATER15', amount: '15.00', servesTrialUpgrade: false });
  await createFundsCode(engine.db, {
    code: 'ADDFUNDS30',
    amount: '30.00',
    servesTrialUpgrade: false,
  });
  await createCouponCode(engine.db, {
    code: 'COUPON100',
    terms: { kind: 'cash', faceValue: '100.00', validDays: 30 },
  });
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await engine?.close();
});

const ADDRESS = {
  country: 'US',
  line1: '1 Market St',
  city: 'San Francisco',
  region: 'CA',
  postalCode: '94105',
};
let phones = 0;

/** A trial account through every required step, ready for a promo code and "Upgrade Account". */
async function readyAccount(accountId: string): Promise<void> {
  const phone = `+1415555${String(1000 + phones++).padStart(4, '0')}`;
  await createTrialAccount(engine, {
    accountId,
    displayName: accountId,
    email: `${accountId}@example.com`,
  });
  await submitPhone(engine, { accountId, phone });
  const message = await engine.db.devOutboxMessage.findFirstOrThrow({
    where: { phoneE164: phone },
    orderBy: { id: 'desc' },
  });
  await verifyCode(engine, { accountId, code: /code is (\d+)\./.exec(message.body)?.[1] ?? '' });
  await submitCompanyAddress(engine, { accountId, address: ADDRESS });
  await submitBillingAddress(engine, { accountId, sameAsCompany: true });
  await submitPaymentMethod(engine, {
    accountId,
    method: {
      type: 'card',
      number: '4242424242424242',
      expMonth: 6,
      expYear: new Date().getUTCFullYear() + 2,
      cvc: '123',
      holderName: 'P. Romo',
    },
  });
}

async function refusalOf(promise: Promise<unknown>): Promise<TrialUpgradeRefusal> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TrialUpgradeRefusal) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

const funds = async (accountId: string): Promise<number> =>
  Number((await engine.db.account.findUniqueOrThrow({ where: { id: accountId } })).fundsBalance);

describe('promo code during the trial upgrade', () => {
  test('a code that serves the upgrade is applied at upgrade: credit granted, nothing charged, recharge off', async () => {
    const accountId = 'acct-promo-at';
    await readyAccount(accountId);
    const entered = await submitPromoCode(engine, { accountId, code: 'UPGRADE50' });
    expect(entered).toMatchObject({
      stage: 'ready_to_confirm',
      promoCode: { code: 'UPGRADE50', appliesAt: 'upgrade', grant: 'funds', currency: 'USD' },
    });
    expect(Number(entered.promoCode.value)).toBe(50);
    // Checked, not applied yet.
    expect(await engine.db.codeRedemption.count({ where: { accountId } })).toBe(0);

    const summary = await confirmUpgrade(engine, { accountId });
    expect(summary).toMatchObject({
      status: 'upgraded',
      automaticRechargeEnabled: false,
      charged: false,
      promoCode: { code: 'UPGRADE50', appliedAs: 'trial_upgrade', grant: 'funds' },
    });
    expect(Number(summary.fundsBalance)).toBe(50);
    expect(await funds(accountId)).toBe(50);
    expect(await engine.db.codeRedemption.count({ where: { accountId, code: 'UPGRADE50' } })).toBe(
      1,
    );
    expect(await engine.db.payment.count({ where: { accountId } })).toBe(0);
    const account = await engine.db.account.findUniqueOrThrow({ where: { id: accountId } });
    expect(account).toMatchObject({ status: 'upgraded', automaticRechargeEnabled: false });
  });

  test('a coupon code that serves the upgrade grants its coupon at upgrade', async () => {
    const accountId = 'acct-promo-coupon';
    await readyAccount(accountId);
    const entered = await submitPromoCode(engine, { accountId, code: 'COUPON100' });
    expect(entered.promoCode).toMatchObject({ appliesAt: 'upgrade', grant: 'coupon' });
    const summary = await confirmUpgrade(engine, { accountId });
    expect(summary.promoCode).toMatchObject({
      code: 'COUPON100',
      appliedAs: 'trial_upgrade',
      grant: 'coupon',
      fundsAdded: null,
    });
    const coupon = await engine.db.coupon.findUniqueOrThrow({
      where: { id: summary.promoCode?.couponId ?? '' },
    });
    expect(coupon).toMatchObject({ ownerAccountId: accountId, kind: 'cash', status: 'available' });
    expect(Number(coupon.balance)).toBe(100);
    expect(await funds(accountId)).toBe(0);
    expect(await engine.db.payment.count({ where: { accountId } })).toBe(0);
  });

  test('a valid code that cannot serve the upgrade is kept and applied right after it', async () => {
    const accountId = 'acct-promo-after';
    await readyAccount(accountId);
    const entered = await submitPromoCode(engine, { accountId, code: 'TOPUP20' });
    expect(entered.promoCode).toMatchObject({ code: 'TOPUP20', appliesAt: 'after_upgrade' });
    expect((await getUpgradeDetails(engine, accountId)).promoCode).toMatchObject({
      code: 'TOPUP20',
      appliesAt: 'after_upgrade',
    });
    const summary = await confirmUpgrade(engine, { accountId });
    expect(summary.promoCode).toMatchObject({ code: 'TOPUP20', appliedAs: 'add_funds' });
    expect(await funds(accountId)).toBe(20);
    expect(await engine.db.codeRedemption.count({ where: { accountId } })).toBe(1);
    expect(await engine.db.payment.count({ where: { accountId } })).toBe(0);
    await recordHistory(
      engine.client,
      trialUpgradeWorkflowId(accountId),
      'trial-upgrade-promo-after',
    );
  });

  test.each([
    ['NOPE404', 'unknown_code'],
    ['EXPIRED10', 'code_expired'],
    ['USEDUP5', 'code_exhausted'],
  ])('%s is refused (%s) and nothing is written', async (code, reason) => {
    const accountId = `acct-promo-${code.toLowerCase()}`;
    await readyAccount(accountId);
    const refused = await refusalOf(submitPromoCode(engine, { accountId, code }));
    expect(refused.code).toBe(reason);
    expect(refused.details.field).toBe('code');
    expect((await getUpgradeDetails(engine, accountId)).promoCode).toBeNull();
    expect(await engine.db.codeRedemption.count({ where: { accountId } })).toBe(0);
    expect(await funds(accountId)).toBe(0);
    // The upgrade itself goes on without the code.
    expect((await confirmUpgrade(engine, { accountId })).promoCode).toBeNull();
  });

  test('a code the account already redeemed is refused the second time', async () => {
    const accountId = 'acct-promo-twice';
    await readyAccount(accountId);
    await submitPromoCode(engine, { accountId, code: 'LATER15' });
    await confirmUpgrade(engine, { accountId });
    expect(await funds(accountId)).toBe(15);
    const again = await refusalOf(addFundsWithPromoCode(engine, { accountId, code: 'LATER15' }));
    expect(again.code).toBe('code_already_redeemed');
    expect(await funds(accountId)).toBe(15);
    expect(await engine.db.codeRedemption.count({ where: { accountId } })).toBe(1);
  });
});

describe('Add Funds > Promo Code on an upgraded account', () => {
  test('adds the credit once, however often it is asked; a trial account is told to use the upgrade', async () => {
    const trial = 'acct-addfunds-trial';
    await createTrialAccount(engine, {
      accountId: trial,
      displayName: 't',
      email: 't@example.com',
    });
    const refused = await refusalOf(
      addFundsWithPromoCode(engine, { accountId: trial, code: 'ADDFUNDS30' }),
    );
    expect(refused.code).toBe('account_is_trial');
    expect(refused.message).toContain('upgrad');
    expect(await engine.db.codeRedemption.count({ where: { accountId: trial } })).toBe(0);

    const accountId = 'acct-addfunds';
    await readyAccount(accountId);
    await confirmUpgrade(engine, { accountId });
    const first = await addFundsWithPromoCode(engine, { accountId, code: 'ADDFUNDS30' });
    const second = await addFundsWithPromoCode(engine, { accountId, code: 'ADDFUNDS30' });
    expect(first).toMatchObject({ accountId, code: 'ADDFUNDS30', grant: 'funds' });
    expect(Number(first.fundsAdded)).toBe(30);
    expect(second).toEqual(first);
    // The code is in no workflow id (nor in the operation key derived from it).
    const workflowId = promoCodeWorkflowId(engine, accountId, 'ADDFUNDS30');
    expect(workflowId).toMatch(new RegExp(`^promo-code/${accountId}/[0-9a-f]{32}$`));
    expect(
      promoCodeWorkflowId(
        { ...engine, verificationSealKey: 'another key' },
        accountId,
        'ADDFUNDS30',
      ),
    ).not.toBe(workflowId);
    const operations = await engine.db.operation.findMany({
      where: { key: { startsWith: `${workflowId}:` } },
    });
    expect(operations).toHaveLength(1);
    expect(await engine.db.operation.count({ where: { key: { contains: 'ADDFUNDS30' } } })).toBe(0);
    const metadata = await engine.client.workflow
      .getHandle(promoCodeWorkflowId(engine, accountId, 'ADDFUNDS30'))
      .query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toBe(
      `Done: ${first.fundsAdded} added to account ${accountId}.`,
    );
    await recordHistory(
      engine.client,
      promoCodeWorkflowId(engine, accountId, 'ADDFUNDS30'),
      'promo-code-redemption-add-funds',
    );
    expect(await funds(accountId)).toBe(30);
    expect(await engine.db.codeRedemption.count({ where: { accountId } })).toBe(1);

    expect(
      (await refusalOf(addFundsWithPromoCode(engine, { accountId, code: 'NOPE404' }))).code,
    ).toBe('unknown_code');
    expect(
      (await refusalOf(addFundsWithPromoCode(engine, { accountId, code: 'EXPIRED10' }))).code,
    ).toBe('code_expired');
    expect(await funds(accountId)).toBe(30);
  });
});
