/**
 * Issue 9, bad input through real updates (the unit-level fuzz is
 * test/unit/reliability/fuzz-contracts.test.ts): malformed, oversized, wrongly
 * typed and unicode look-alike inputs sent to running trial-upgrade, order and
 * bill workflows, both through the client functions and raw (bypassing the client's
 * own checks, as a hostile caller of Temporal would). Each is refused
 * `invalid_input` naming the field by the update validator, nothing is written,
 * and the workflow keeps running and completes afterwards.
 */
import type { Worker } from '@temporalio/worker';
import {
  adjustBill,
  BillRefusal,
  cancelBillPayment,
  retryBillPayment,
  settleBill,
} from '../../client/bills';
import { createOrder, OrderRefusal, orderHandle, payOrder } from '../../client/orders';
import {
  confirmUpgrade,
  createTrialAccount,
  submitBillingAddress,
  submitCompanyAddress,
  submitPaymentMethod,
  submitPhone,
  submitPromoCode,
  toRefusal,
  verifyCode,
} from '../../client/trial-upgrade';
import {
  adjustBillUpdate,
  cancelPaymentUpdate,
  rollbackBillUpdate,
} from '../../workflows/bill/messages';
import { billWorkflowId, trialUpgradeWorkflowId } from '../../workflows/ids';
import { cancelOrderUpdate, payOrderUpdate } from '../../workflows/order/messages';
import {
  submitCompanyAddressUpdate,
  submitPhoneUpdate,
  submitPromoCodeUpdate,
  verifyCodeUpdate,
} from '../../workflows/trial-upgrade/messages';
import { createTestEngine, type TestEngine } from '../support/integration';
import { createFundsCode, uid } from '../support/ledger-fixtures';
import {
  TEST_ADDRESS,
  TEST_CARD,
  newTestPhone,
  readDeliveredCode,
} from '../support/trial-upgrade-steps';
import { billAccount, card, DEV_TEST_CARDS, gateway } from './bill/support';
import { createPayingAccount } from './order/support';

jest.setTimeout(90_000);

let engine: TestEngine;
let worker: Worker;
let running: Promise<void>;
beforeAll(async () => {
  engine = await createTestEngine();
  worker = await engine.createWorker();
  running = worker.run();
  await createFundsCode(engine.db, { code: 'HOSTILE50', amount: '50.00' });
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await engine?.close();
});

/** The `invalid_input` refusal and the fields (or unexpected keys) it names. */
async function invalidFields(promise: Promise<unknown>): Promise<string[]> {
  try {
    await promise;
  } catch (err) {
    const refused =
      err instanceof OrderRefusal || err instanceof BillRefusal ? err : toRefusal(err);
    if (!refused) throw err;
    expect(refused.code).toBe('invalid_input');
    // An unexpected key is reported at the object's own path, naming the key in the message.
    return (refused.details.fields ?? []).map((f) => f.path || f.message);
  }
  throw new Error('expected invalid_input');
}

const FULLWIDTH = 'ＨＯＳＴＩＬＥ５０';
const CYRILLIC = 'HOSTILE5\u041e'; // Cyrillic О for the zero
const ZERO_WIDTH = 'HOSTILE\u200b50';

describe('trial upgrade updates', () => {
  test('hostile values are refused naming the field; nothing written; the upgrade completes afterwards', async () => {
    const accountId = 'acct-hostile-upgrade';
    const phone = newTestPhone('+1415554');
    await createTrialAccount(engine, {
      accountId,
      displayName: accountId,
      email: `${accountId}@example.com`,
    });
    await submitPhone(engine, { accountId, phone });
    await verifyCode(engine, { accountId, code: await readDeliveredCode(engine.db, phone) });
    await submitCompanyAddress(engine, { accountId, address: TEST_ADDRESS });
    await submitBillingAddress(engine, { accountId, sameAsCompany: true });
    await submitPaymentMethod(engine, { accountId, method: TEST_CARD });
    const snapshot = async () => ({
      account: await engine.db.account.findUniqueOrThrow({ where: { id: accountId } }),
      outbox: await engine.db.devOutboxMessage.count({ where: { phoneE164: phone } }),
      challenges: await engine.db.verificationChallenge.count({ where: { accountId } }),
      methods: await engine.db.paymentMethod.count({ where: { accountId } }),
      redemptions: await engine.db.codeRedemption.count({ where: { accountId } }),
      codeAttempts: await engine.db.codeAttempt.count({ where: { accountId } }),
    });
    const before = await snapshot();
    const handle = engine.client.workflow.getHandle(trialUpgradeWorkflowId(accountId));

    // Through the client functions.
    for (const code of [FULLWIDTH, CYRILLIC, ZERO_WIDTH, 'H'.repeat(100_000)]) {
      expect(await invalidFields(submitPromoCode(engine, { accountId, code }))).toEqual(['code']);
    }
    expect(
      await invalidFields(
        submitCompanyAddress(engine, {
          accountId,
          address: { ...TEST_ADDRESS, line1: 'x'.repeat(50_000) },
        }),
      ),
    ).toEqual(['line1']);
    expect(
      await invalidFields(submitPhone(engine, { accountId, phone: '+1415555０１２３' })),
    ).toEqual(['phone']);
    // Raw, past the client's checks: wrong types, extra keys, injection text.
    const raw: Array<[() => Promise<unknown>, string]> = [
      [
        () => handle.executeUpdate(submitPromoCodeUpdate, { args: [{ code: 50 } as never] }),
        'code',
      ],
      [
        () =>
          handle.executeUpdate(submitPromoCodeUpdate, {
            args: [{ code: 'HOSTILE50', cvc: '123' } as never],
          }),
        'Unrecognized key: "cvc"',
      ],
      [
        () =>
          handle.executeUpdate(submitCompanyAddressUpdate, {
            args: [{ ...TEST_ADDRESS, country: 'US\'; DROP TABLE "Account";--' }],
          }),
        'country',
      ],
      [
        () =>
          handle.executeUpdate(submitPhoneUpdate, { args: [{ phone: ['+14155550123'] } as never] }),
        'phone',
      ],
      [
        () =>
          handle.executeUpdate(verifyCodeUpdate, { args: [{ sealedCode: { $gt: '' } } as never] }),
        'sealedCode',
      ],
    ];
    for (const [send, field] of raw) {
      expect(await invalidFields(send())).toContainEqual(expect.stringContaining(field));
    }

    // Nothing written: no code looked up (no attempt counted), no send, no address change.
    expect(await snapshot()).toEqual(before);
    // Still running and usable: the real code applies and the upgrade completes.
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await submitPromoCode(engine, { accountId, code: 'HOSTILE50' });
    expect(await confirmUpgrade(engine, { accountId })).toMatchObject({
      status: 'upgraded',
      promoCode: { code: 'HOSTILE50', appliedAs: 'trial_upgrade' },
    });
    expect(await engine.db.codeRedemption.count({ where: { accountId } })).toBe(1);
  });
});

describe('order updates', () => {
  test('hostile payment methods and cancel reasons are refused naming the field; nothing charged; the order pays afterwards', async () => {
    const ctx = { client: engine.client, taskQueue: engine.taskQueue };
    const { accountId, token } = await createPayingAccount(engine.db);
    const orderId = uid('ord');
    await createOrder(ctx, {
      orderId,
      accountId,
      commodityCode: 'ecs',
      orderType: 'new_purchase',
      amount: '30.00',
      currency: 'USD',
      durationMonths: 1,
    });
    const handle = orderHandle(ctx, orderId);
    const method = {
      type: 'card',
      token,
      brand: 'visa',
      last4: '4242',
      expMonth: 12,
      expYear: 2034,
    };
    const raw: Array<[unknown, string]> = [
      [{ paymentMethod: { ...method, last4: '４２４２' } }, 'paymentMethod.last4'],
      [
        { paymentMethod: { ...method, token: `tok_${'a'.repeat(100_000)}` } },
        'paymentMethod.token',
      ],
      [{ paymentMethod: { ...method, expMonth: '12' } }, 'paymentMethod.expMonth'],
      [{ paymentMethod: method, number: '4242424242424242' }, 'Unrecognized key: "number"'],
      ['pay', ''],
    ];
    for (const [input, field] of raw) {
      const fields = await invalidFields(
        handle.executeUpdate(payOrderUpdate, { args: [input as never] }),
      );
      if (field) expect(fields).toContainEqual(expect.stringContaining(field));
      else expect(fields.length).toBeGreaterThan(0);
    }
    for (const reason of ['', 'r'.repeat(10_000), 7]) {
      expect(
        await invalidFields(
          handle.executeUpdate(cancelOrderUpdate, { args: [{ reason } as never] }),
        ),
      ).toEqual(['reason']);
    }
    // Through the client: a card number with a fullwidth digit is refused before tokenizing.
    expect(
      await invalidFields(
        payOrder(ctx, {
          orderId,
          method: { ...TEST_CARD, number: '424242424242424２' },
        }),
      ),
    ).toEqual(['method.number']);

    expect(await engine.db.payment.count({ where: { accountId } })).toBe(0);
    expect(await engine.db.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({
      status: 'pending_payment',
    });
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect(await payOrder(ctx, { orderId })).toMatchObject({ paid: true });
    expect(await engine.db.payment.count({ where: { accountId } })).toBe(1);
  });
});

describe('bill updates', () => {
  test('hostile adjustments, reasons and cards are refused naming the field; nothing written; the bill settles afterwards', async () => {
    const accountId = await billAccount(engine.db, {
      automaticRecharge: true,
      cardNumber: DEV_TEST_CARDS.declined,
    });
    const billId = uid('bill');
    const failed = await settleBill(engine, {
      billId,
      accountId,
      commodityCode: 'ecs',
      amount: '12.00',
      currency: 'USD',
    });
    expect(failed).toMatchObject({ stage: 'payment_failed' });
    const snapshot = async () => ({
      bill: await engine.db.bill.findUniqueOrThrow({ where: { id: billId } }),
      account: await engine.db.account.findUniqueOrThrow({ where: { id: accountId } }),
      payments: await engine.db.payment.count({ where: { accountId } }),
      funds: await engine.db.fundsMovement.count({ where: { accountId } }),
      methods: await engine.db.paymentMethod.count({ where: { accountId } }),
    });
    const before = await snapshot();
    const handle = engine.client.workflow.getHandle(billWorkflowId(billId));

    // Through the client functions.
    expect(
      await invalidFields(adjustBill(engine, { billId, adjustedAmount: '１０.００', reason: 'x' })),
    ).toEqual(['adjustedAmount']);
    expect(
      await invalidFields(adjustBill(engine, { billId, adjustedAmount: '1e3', reason: 'x' })),
    ).toEqual(['adjustedAmount']);
    expect(
      await invalidFields(cancelBillPayment(engine, { billId, reason: 'r'.repeat(10_000) })),
    ).toEqual(['reason']);
    expect(
      await invalidFields(
        retryBillPayment(
          { ...engine, paymentGateway: gateway },
          { billId, paymentMethod: card('4000\u00a00000\u00a00000\u00a00002') },
        ),
      ),
    ).toContainEqual(expect.stringContaining('number'));
    // Raw, past the client's checks.
    const raw: Array<[() => Promise<unknown>, string]> = [
      [
        () =>
          handle.executeUpdate(adjustBillUpdate, {
            args: [{ adjustedAmount: 10 as never, reason: 'x' }],
          }),
        'adjustedAmount',
      ],
      [
        () =>
          handle.executeUpdate(adjustBillUpdate, {
            args: [{ adjustedAmount: '-5.00', reason: 'x' }],
          }),
        'adjustedAmount',
      ],
      [() => handle.executeUpdate(cancelPaymentUpdate, { args: [{ reason: '' }] }), 'reason'],
      [
        () => handle.executeUpdate(rollbackBillUpdate, { args: [{ reason: { $ne: 1 } as never }] }),
        'reason',
      ],
      [
        () =>
          handle.executeUpdate(rollbackBillUpdate, {
            args: [{ reason: 'ok', amount: '0' } as never],
          }),
        'Unrecognized key: "amount"',
      ],
    ];
    for (const [send, field] of raw) {
      expect(await invalidFields(send())).toContainEqual(expect.stringContaining(field));
    }

    expect(await snapshot()).toEqual(before);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    const settled = await retryBillPayment(
      { ...engine, paymentGateway: gateway },
      { billId, paymentMethod: card(DEV_TEST_CARDS.success) },
    );
    expect(settled).toMatchObject({ stage: 'settled', charged: '12.00' });
  });
});
