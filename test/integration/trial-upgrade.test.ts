/**
 * Issue 6: the trial upgrade end to end on the real Temporal dev server and
 * PostgreSQL — happy paths by SMS and by voice, verification failures, resend
 * rules, order and validation refusals, idempotent updates, and what never
 * enters workflow history.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Worker } from '@temporalio/worker';
import {
  cancelTrialUpgrade,
  confirmUpgrade,
  createTrialAccount,
  getMissingSteps,
  getTrialUpgradeStage,
  getUpgradeDetails,
  getUpgradeProgress,
  getVerificationStatus,
  resendCode,
  submitBillingAddress,
  submitCompanyAddress,
  submitPaymentMethod,
  submitPhone,
  TrialUpgradeRefusal,
  verifyCode,
  type CreateTrialAccountInput,
} from '../../client/trial-upgrade';
import { trialUpgradeWorkflowId } from '../../workflows/ids';
import {
  submitPaymentMethodUpdate,
  verifyCodeUpdate,
} from '../../workflows/trial-upgrade/messages';
import type { AddressInput } from '../../domain/upgrade-contracts';
import { createTestEngine, type TestEngine } from '../support/integration';
import { recordHistory } from '../support/replay';

jest.setTimeout(60_000);

let engine: TestEngine;
let worker: Worker;
let running: Promise<void>;
beforeAll(async () => {
  engine = await createTestEngine();
  worker = await engine.createWorker();
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await engine?.close();
});

const TOKYO: AddressInput = {
  country: 'JP',
  line1: '1-2-3 Marunouchi',
  city: 'Tokyo',
  postalCode: '100-0005',
};
const OSAKA: AddressInput = {
  country: 'JP',
  line1: '4-5-6 Umeda',
  city: 'Osaka',
  postalCode: '530-0001',
};
const EXP_YEAR = new Date().getUTCFullYear() + 3;
const CARD = {
  type: 'card' as const,
  number: '4242424242424242',
  expMonth: 12,
  expYear: EXP_YEAR,
  cvc: '314',
  holderName: 'Hanako Yamada',
};

let seq = 0;
/** A phone number of this test's own, so outbox reads never mix. */
const newPhone = (): string =>
  `+8190${String(Date.now() % 1_000_000).padStart(6, '0')}${String(seq++).padStart(2, '0')}`;

/** What a person reads on their phone: the digits of the latest message. */
async function readCode(phone: string): Promise<string> {
  const message = await engine.db.devOutboxMessage.findFirstOrThrow({
    where: { phoneE164: phone },
    orderBy: { id: 'desc' },
  });
  const digits = /code is ([\d ]+)\./.exec(message.body)?.[1];
  if (!digits) throw new Error(`no code in "${message.body}"`);
  return digits.replace(/ /g, '');
}

const wrongCodeFor = (code: string): string => (code === '000000' ? '111111' : '000000');

async function start(overrides: Partial<CreateTrialAccountInput> = {}): Promise<string> {
  const { accountId } = await createTrialAccount(engine, {
    displayName: 'Acme KK',
    email: 'ops@acme.example',
    currency: 'USD',
    ...overrides,
  });
  return accountId;
}

async function verifyPhone(accountId: string, phone: string, channel: 'sms' | 'voice' = 'sms') {
  await submitPhone(engine, { accountId, phone, channel });
  return verifyCode(engine, { accountId, code: await readCode(phone) });
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

/**
 * The fetched history as text, every payload decoded: `fetchHistory()` carries
 * payload bytes base64-encoded, so a plain JSON.stringify would hide a secret.
 */
async function historyText(accountId: string): Promise<string> {
  const history = await engine.client.workflow
    .getHandle(trialUpgradeWorkflowId(accountId))
    .fetchHistory();
  return JSON.stringify(history, (key, value: unknown) => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    if (key === 'data' && typeof value === 'string') {
      return `${value} ${Buffer.from(value, 'base64').toString('utf8')}`;
    }
    return value;
  });
}

const standalone = (digits: string): RegExp => new RegExp(`(?<!\\d)${digits}(?!\\d)`);

describe('trial upgrade: happy paths', () => {
  test.each(['sms', 'voice'] as const)(
    'by %s: phone, code, addresses, card, Upgrade Account; nothing charged, automatic recharge off, no secret in history',
    async (channel) => {
      const phone = newPhone();
      const accountId = await start();
      expect(await getTrialUpgradeStage(engine, accountId)).toBe('awaiting_phone');

      const sent = await submitPhone(engine, { accountId, phone, channel });
      expect(sent).toMatchObject({ stage: 'awaiting_code', channel, resendsLeft: 5 });
      expect(sent.phone).toBe(`+${'*'.repeat(phone.length - 5)}${phone.slice(-4)}`);
      const outbox = await engine.db.devOutboxMessage.findMany({ where: { phoneE164: phone } });
      expect(outbox).toHaveLength(1);
      expect(outbox[0]?.channel).toBe(channel);
      const code = await readCode(phone);
      expect(code).toMatch(/^\d{6}$/);
      // Stored only as a keyed hash.
      const challenge = await engine.db.verificationChallenge.findFirstOrThrow({
        where: { accountId },
      });
      expect(challenge.codeHash).toMatch(/^[0-9a-f]{64}$/);
      expect(challenge.codeHash).not.toContain(code);

      const verified = await verifyCode(engine, { accountId, code });
      expect(verified).toMatchObject({ verified: true, stage: 'awaiting_company_address' });

      expect(await submitCompanyAddress(engine, { accountId, address: TOKYO })).toEqual({
        stage: 'awaiting_billing_address',
        missing: ['billing_address', 'payment_method'],
      });
      expect(await submitBillingAddress(engine, { accountId, address: OSAKA })).toMatchObject({
        stage: 'awaiting_payment_method',
      });
      const paid = await submitPaymentMethod(engine, { accountId, method: CARD });
      expect(paid).toMatchObject({
        stage: 'ready_to_confirm',
        missing: [],
        paymentMethod: {
          type: 'card',
          brand: 'visa',
          last4: '4242',
          expMonth: 12,
          expYear: EXP_YEAR,
        },
      });

      const progress = await getUpgradeProgress(engine, accountId);
      expect(progress.details).toEqual({
        phone: sent.phone,
        phoneVerified: true,
        companyAddress: 'Tokyo, 100-0005, JP',
        billingAddress: 'Osaka, 530-0001, JP',
        billingSameAsCompany: false,
        paymentMethod: `visa •••• 4242 (exp 12/${EXP_YEAR})`,
        promoCode: null,
      });
      expect(JSON.stringify(progress)).not.toContain(phone);

      const summary = await confirmUpgrade(engine, { accountId });
      expect(summary).toMatchObject({
        accountId,
        status: 'upgraded',
        automaticRechargeEnabled: false,
        charged: false,
        companyAddress: 'Tokyo, 100-0005, JP',
        billingAddress: 'Osaka, 530-0001, JP',
        billingSameAsCompany: false,
        paymentMethod: `visa •••• 4242 (exp 12/${EXP_YEAR})`,
        promoCode: null,
        fundsBalance: '0',
      });

      const handle = engine.client.workflow.getHandle(trialUpgradeWorkflowId(accountId));
      expect(await handle.result()).toEqual({ accountId, outcome: 'upgraded', summary });
      expect((await handle.describe()).searchAttributes.BillingStage).toEqual(['upgraded']);

      const account = await engine.db.account.findUniqueOrThrow({ where: { id: accountId } });
      expect(account).toMatchObject({
        status: 'upgraded',
        automaticRechargeEnabled: false,
        phoneE164: phone,
      });
      expect(account.upgradedAt).not.toBeNull();
      expect(account.phoneVerifiedAt).not.toBeNull();
      expect(account.companyAddress).toMatchObject(TOKYO);
      expect(account.billingAddress).toMatchObject({ ...OSAKA, sameAsCompany: false });
      const methods = await engine.db.paymentMethod.findMany({ where: { accountId } });
      expect(methods).toEqual([
        expect.objectContaining({ type: 'card', brand: 'visa', last4: '4242', isDefault: true }),
      ]);
      expect(methods[0]?.token).toMatch(/^tok_/);
      // seed 000 step 6: nothing is charged at upgrade.
      expect(await engine.db.payment.count({ where: { accountId } })).toBe(0);

      const text = await historyText(accountId);
      expect(text).toContain(phone); // the decoder works: the phone step's payload is readable
      expect(text).not.toMatch(standalone(code));
      expect(text).not.toContain(CARD.number);
      expect(text).not.toContain('"cvc"');
      await recordHistory(
        engine.client,
        trialUpgradeWorkflowId(accountId),
        `trial-upgrade-${channel}`,
      );
    },
  );

  test('"same as company address" billing, PayPal, and the account reads back with one address twice', async () => {
    const phone = newPhone();
    const accountId = await start();
    await verifyPhone(accountId, phone);
    await submitCompanyAddress(engine, { accountId, address: TOKYO });
    expect(await submitBillingAddress(engine, { accountId, sameAsCompany: true })).toMatchObject({
      stage: 'awaiting_payment_method',
    });
    await submitPaymentMethod(engine, {
      accountId,
      method: { type: 'paypal', email: 'hanako@example.jp' },
    });
    const details = await getUpgradeDetails(engine, accountId);
    expect(details).toMatchObject({
      billingSameAsCompany: true,
      billingAddress: 'Tokyo, 100-0005, JP',
      paymentMethod: 'PayPal h***@example.jp',
    });
    const summary = await confirmUpgrade(engine, { accountId });
    expect(summary).toMatchObject({
      billingSameAsCompany: true,
      billingAddress: 'Tokyo, 100-0005, JP',
    });
    const account = await engine.db.account.findUniqueOrThrow({ where: { id: accountId } });
    expect(account.billingAddress).toMatchObject({ ...TOKYO, sameAsCompany: true });
    expect(account.automaticRechargeEnabled).toBe(false);
    expect(await engine.db.payment.count({ where: { accountId } })).toBe(0);
    expect(await historyText(accountId)).not.toContain('hanako@example.jp');
  });

  test('an already upgraded account is refused with its reason', async () => {
    const phone = newPhone();
    const accountId = await start();
    await verifyPhone(accountId, phone);
    await submitCompanyAddress(engine, { accountId, address: TOKYO });
    await submitBillingAddress(engine, { accountId, sameAsCompany: true });
    await submitPaymentMethod(engine, { accountId, method: CARD });
    await confirmUpgrade(engine, { accountId });

    const refused = await refusalOf(start({ accountId }));
    expect(refused.code).toBe('account_already_upgraded');
    expect(refused.message).toContain(accountId);
  });
});

describe('trial upgrade: verification', () => {
  test('a wrong code costs a try; using every try locks verification until the lock timer fires', async () => {
    const phone = newPhone();
    const accountId = await start({
      policy: { maxAttemptsPerCode: 3, lockout: '3 seconds', resendCooldown: '1 second' },
    });
    await submitPhone(engine, { accountId, phone });
    const code = await readCode(phone);
    const wrong = wrongCodeFor(code);

    expect(await verifyCode(engine, { accountId, code: wrong })).toMatchObject({
      verified: false,
      reason: 'wrong_code',
      attemptsLeft: 2,
      stage: 'awaiting_code',
    });
    expect((await getVerificationStatus(engine, accountId)).attemptsLeft).toBe(2);
    await verifyCode(engine, { accountId, code: wrong });
    const last = await verifyCode(engine, { accountId, code: wrong });
    expect(last).toMatchObject({ verified: false, attemptsLeft: 0, stage: 'verification_locked' });
    expect(last.lockedUntil).toBeDefined();
    const handle = engine.client.workflow.getHandle(trialUpgradeWorkflowId(accountId));
    expect((await handle.describe()).searchAttributes.BillingStage).toEqual([
      'verification_locked',
    ]);

    // Locked: even the right code, and a new code, are refused before history.
    expect((await refusalOf(verifyCode(engine, { accountId, code }))).code).toBe(
      'verification_locked',
    );
    expect((await refusalOf(resendCode(engine, { accountId }))).code).toBe('verification_locked');
    const challenge = await engine.db.verificationChallenge.findFirstOrThrow({
      where: { accountId },
    });
    expect(challenge.attempts).toBe(3);
    expect(challenge.verifiedAt).toBeNull();

    // The lock is a workflow timer: when it fires, a new code may be asked for.
    for (let i = 0; (await getTrialUpgradeStage(engine, accountId)) !== 'awaiting_code'; i++) {
      if (i > 100) throw new Error('the lock never lifted');
      await new Promise((r) => setTimeout(r, 100));
    }
    await resendCode(engine, { accountId });
    const fresh = await readCode(phone);
    expect(await verifyCode(engine, { accountId, code: fresh })).toMatchObject({ verified: true });
    expect(await historyText(accountId)).not.toMatch(standalone(code));
    await recordHistory(engine.client, trialUpgradeWorkflowId(accountId), 'trial-upgrade-lockout');
  });

  test('an expired code is refused without costing a try; a new code works', async () => {
    const phone = newPhone();
    const accountId = await start({ policy: { codeTtl: '2 seconds', resendCooldown: '1 second' } });
    await submitPhone(engine, { accountId, phone });
    const code = await readCode(phone);
    await new Promise((r) => setTimeout(r, 2_300));
    expect(await verifyCode(engine, { accountId, code })).toMatchObject({
      verified: false,
      reason: 'code_expired',
      attemptsLeft: 5,
      stage: 'awaiting_code',
    });
    expect((await refusalOf(verifyCode(engine, { accountId, code }))).code).toBe('no_code_sent');
    await resendCode(engine, { accountId });
    expect(await verifyCode(engine, { accountId, code: await readCode(phone) })).toMatchObject({
      verified: true,
    });
  });

  test('resend: a cooldown between codes, a switch to voice, the old code dies, and a cap', async () => {
    const phone = newPhone();
    const accountId = await start({ policy: { resendCooldown: '1500 ms', maxResends: 2 } });
    await submitPhone(engine, { accountId, phone });
    const first = await readCode(phone);

    const early = await refusalOf(resendCode(engine, { accountId }));
    expect(early.code).toBe('resend_cooldown');
    expect(early.details.retryAt).toEqual(expect.any(String));
    expect(await engine.db.devOutboxMessage.count({ where: { phoneE164: phone } })).toBe(1);

    await new Promise((r) => setTimeout(r, 1_600));
    const again = await resendCode(engine, { accountId, channel: 'voice' });
    expect(again).toMatchObject({ channel: 'voice', resendsLeft: 1 });
    const voice = await engine.db.devOutboxMessage.findFirstOrThrow({
      where: { phoneE164: phone },
      orderBy: { id: 'desc' },
    });
    expect(voice.channel).toBe('voice');
    const second = await readCode(phone);
    if (second !== first) {
      expect(await verifyCode(engine, { accountId, code: first })).toMatchObject({
        verified: false,
        reason: 'wrong_code',
      });
    }

    await new Promise((r) => setTimeout(r, 1_600));
    expect(await resendCode(engine, { accountId })).toMatchObject({
      channel: 'voice',
      resendsLeft: 0,
    });
    await new Promise((r) => setTimeout(r, 1_600));
    expect((await refusalOf(resendCode(engine, { accountId }))).code).toBe('resend_limit_reached');
    // Submitting the same number again is a resend too.
    expect((await refusalOf(submitPhone(engine, { accountId, phone }))).code).toBe(
      'resend_limit_reached',
    );
    expect(await engine.db.devOutboxMessage.count({ where: { phoneE164: phone } })).toBe(3);
    expect(await verifyCode(engine, { accountId, code: await readCode(phone) })).toMatchObject({
      verified: true,
    });
  });
});

describe('trial upgrade: order, validation, revision, idempotency', () => {
  test('steps out of order are refused naming what is missing; bad input names the field', async () => {
    const accountId = await start();
    const early = await refusalOf(submitCompanyAddress(engine, { accountId, address: TOKYO }));
    expect(early.code).toBe('step_out_of_order');
    expect(early.details.missing).toEqual(['phone', 'phone_verification']);
    expect(early.message).toContain('phone number, phone verification code');

    const confirm = await refusalOf(confirmUpgrade(engine, { accountId }));
    expect(confirm.code).toBe('step_out_of_order');
    expect(confirm.details.missing).toEqual([
      'phone',
      'phone_verification',
      'company_address',
      'billing_address',
      'payment_method',
    ]);
    expect((await refusalOf(resendCode(engine, { accountId }))).code).toBe('step_out_of_order');

    const badPhone = await refusalOf(submitPhone(engine, { accountId, phone: '0312345678' }));
    expect(badPhone.code).toBe('invalid_input');
    expect(badPhone.details.fields).toEqual([
      { path: 'phone', message: 'Phone number in E.164 form, e.g. +14155550123' },
    ]);
    const badCode = await refusalOf(verifyCode(engine, { accountId, code: '12ab' }));
    expect(badCode.details.fields?.[0]?.path).toBe('code');

    const phone = newPhone();
    await verifyPhone(accountId, phone);
    const badAddress = await refusalOf(
      submitCompanyAddress(engine, { accountId, address: { ...TOKYO, postalCode: '' } }),
    );
    expect(badAddress.details.fields?.map((f) => f.path)).toEqual(['postalCode']);
    await submitCompanyAddress(engine, { accountId, address: TOKYO });
    const billing = await refusalOf(
      submitBillingAddress(engine, { accountId, address: { ...OSAKA, country: 'Japan' } }),
    );
    expect(billing.details.fields?.[0]?.path).toBe('address.country');
    expect((await refusalOf(submitPaymentMethod(engine, { accountId, method: CARD }))).code).toBe(
      'step_out_of_order',
    );
    await submitBillingAddress(engine, { accountId, sameAsCompany: true });

    // The card is checked by the gateway before anything reaches the workflow.
    const luhn = await refusalOf(
      submitPaymentMethod(engine, { accountId, method: { ...CARD, number: '4242424242424241' } }),
    );
    expect(luhn.details.fields).toEqual([
      { path: 'method.number', message: 'Card number fails the checksum' },
    ]);
    const expired = await refusalOf(
      submitPaymentMethod(engine, { accountId, method: { ...CARD, expYear: 2020 } }),
    );
    expect(expired.details.fields?.[0]?.path).toBe('method.expYear');

    // Raw card data or a plain code sent straight to the workflow is refused by the
    // validator, before history.
    const handle = engine.client.workflow.getHandle(trialUpgradeWorkflowId(accountId));
    await expect(
      handle.executeUpdate(submitPaymentMethodUpdate, {
        args: [{ ...CARD } as never],
      }),
    ).rejects.toThrow();
    await expect(
      handle.executeUpdate(verifyCodeUpdate, { args: [{ code: '123456' } as never] }),
    ).rejects.toThrow();
    expect(await getMissingSteps(engine, accountId)).toEqual(['payment_method']);
    const text = await historyText(accountId);
    expect(text).not.toContain(CARD.number);
    expect(text).not.toContain('4242424242424241');
    expect(text).not.toContain('"cvc"');
  });

  test('a number the provider cannot reach is refused naming the phone; nothing changes', async () => {
    const accountId = await start();
    const refused = await refusalOf(submitPhone(engine, { accountId, phone: '+15005550001' }));
    expect(refused.code).toBe('phone_undeliverable');
    expect(refused.details.field).toBe('phone');
    expect(await getUpgradeProgress(engine, accountId)).toMatchObject({
      stage: 'awaiting_phone',
      verification: { phone: null, codeSent: false },
    });
    const phone = newPhone();
    expect(await verifyPhone(accountId, phone)).toMatchObject({ verified: true });
  });

  test('earlier answers can be revised before confirming; a new phone must be verified again', async () => {
    const accountId = await start({ policy: { resendCooldown: '1 second' } });
    const first = newPhone();
    await verifyPhone(accountId, first);
    await submitCompanyAddress(engine, { accountId, address: TOKYO });
    await submitBillingAddress(engine, { accountId, sameAsCompany: true });
    await submitPaymentMethod(engine, { accountId, method: CARD });
    expect(await getTrialUpgradeStage(engine, accountId)).toBe('ready_to_confirm');

    // Company address changed: "same as company" billing follows it.
    await submitCompanyAddress(engine, { accountId, address: OSAKA });
    expect((await getUpgradeDetails(engine, accountId)).billingAddress).toBe('Osaka, 530-0001, JP');
    // Another card replaces the first as the default.
    await submitPaymentMethod(engine, {
      accountId,
      method: { ...CARD, number: '5555555555554444', expMonth: 3 },
    });
    const methods = await engine.db.paymentMethod.findMany({
      where: { accountId },
      orderBy: { createdAt: 'asc' },
    });
    expect(methods.map((m) => [m.last4, m.isDefault])).toEqual([
      ['4242', false],
      ['4444', true],
    ]);

    // Another phone: verification starts over; the other answers stay.
    await new Promise((r) => setTimeout(r, 1_100));
    const second = newPhone();
    expect(await submitPhone(engine, { accountId, phone: second })).toMatchObject({
      stage: 'awaiting_code',
      missing: ['phone_verification'],
    });
    expect((await refusalOf(confirmUpgrade(engine, { accountId }))).details.missing).toEqual([
      'phone_verification',
    ]);
    expect(await verifyCode(engine, { accountId, code: await readCode(second) })).toMatchObject({
      verified: true,
      stage: 'ready_to_confirm',
    });
    const summary = await confirmUpgrade(engine, { accountId });
    expect(summary).toMatchObject({
      companyAddress: 'Osaka, 530-0001, JP',
      paymentMethod: `mastercard •••• 4444 (exp 03/${EXP_YEAR})`,
    });
    const account = await engine.db.account.findUniqueOrThrow({ where: { id: accountId } });
    expect(account.phoneE164).toBe(second);
  });

  test('the same update delivered twice (same update id) does its work once', async () => {
    const phone = newPhone();
    const accountId = await start();
    const once = await submitPhone(engine, { accountId, phone }, { updateId: 'phone-1' });
    const twice = await submitPhone(engine, { accountId, phone }, { updateId: 'phone-1' });
    expect(twice).toEqual(once);
    expect(await engine.db.devOutboxMessage.count({ where: { phoneE164: phone } })).toBe(1);
    expect(await engine.db.verificationChallenge.count({ where: { accountId } })).toBe(1);

    const code = await readCode(phone);
    const wrong = wrongCodeFor(code);
    const a = await verifyCode(engine, { accountId, code: wrong }, { updateId: 'verify-1' });
    const b = await verifyCode(engine, { accountId, code: wrong }, { updateId: 'verify-1' });
    expect(b).toEqual(a);
    expect((await getVerificationStatus(engine, accountId)).attemptsLeft).toBe(4);
    await verifyCode(engine, { accountId, code });
    await submitCompanyAddress(engine, { accountId, address: TOKYO });
    await submitBillingAddress(engine, { accountId, sameAsCompany: true });
    await submitPaymentMethod(engine, { accountId, method: CARD }, { updateId: 'card-1' });
    await submitPaymentMethod(engine, { accountId, method: CARD }, { updateId: 'card-1' });
    expect(await engine.db.paymentMethod.count({ where: { accountId } })).toBe(1);

    const first = await confirmUpgrade(engine, { accountId }, { updateId: 'confirm-1' });
    const second = await confirmUpgrade(engine, { accountId }, { updateId: 'confirm-1' });
    expect(second).toEqual(first);
  });

  test('cancelled mid-upgrade: ends as cancelled and the account stays a trial', async () => {
    const accountId = await start();
    await verifyPhone(accountId, newPhone());
    await submitCompanyAddress(engine, { accountId, address: TOKYO });
    await cancelTrialUpgrade(engine, { accountId, reason: 'customer chose another plan' });
    const handle = engine.client.workflow.getHandle(trialUpgradeWorkflowId(accountId));
    expect(await handle.result()).toEqual({ accountId, outcome: 'cancelled' });
    expect((await handle.describe()).searchAttributes.BillingStage).toEqual(['cancelled']);
    const account = await engine.db.account.findUniqueOrThrow({ where: { id: accountId } });
    expect(account).toMatchObject({ status: 'trial', upgradedAt: null, phoneE164: null });
    await recordHistory(
      engine.client,
      trialUpgradeWorkflowId(accountId),
      'trial-upgrade-cancelled',
    );
  });

  test('an upgrade cancelled and started again for the same account starts afresh', async () => {
    const accountId = await start();
    const phone = newPhone();
    await submitPhone(engine, { accountId, phone });
    const old = await readCode(phone);
    await verifyCode(engine, { accountId, code: wrongCodeFor(old) });
    await cancelTrialUpgrade(engine, { accountId, reason: 'try again later' });
    const handle = engine.client.workflow.getHandle(trialUpgradeWorkflowId(accountId));
    expect(await handle.result()).toMatchObject({ outcome: 'cancelled' });

    // Same workflow id, new run: its operation keys must not find the first run's.
    const again = await createTrialAccount(engine, {
      accountId,
      displayName: 'Acme KK',
      email: 'ops@acme.example',
    });
    expect(again.stage).toBe('awaiting_phone');
    await submitPhone(engine, { accountId, phone });
    expect(await engine.db.devOutboxMessage.count({ where: { phoneE164: phone } })).toBe(2);
    expect(await verifyCode(engine, { accountId, code: await readCode(phone) })).toMatchObject({
      verified: true,
      attemptsLeft: 4,
    });
  });

  test('the dev-only outbox command prints what the dev sender delivered', async () => {
    const phone = newPhone();
    const accountId = await start();
    await submitPhone(engine, { accountId, phone, channel: 'voice' });
    const root = path.resolve(__dirname, '..', '..');
    const { stdout } = await promisify(execFile)(
      path.join(root, 'node_modules', '.bin', 'tsx'),
      ['scripts/dev-outbox.ts', phone],
      { cwd: root, env: { ...process.env, DATABASE_URL: engine.databaseUrl } },
    );
    const code = await readCode(phone);
    expect(stdout).toContain('voice');
    expect(stdout).toContain(`Your verification code is ${code.split('').join(' ')}.`);
  });
});
