/**
 * Issue 6: the payment activities the order and bill workflows use (charge,
 * refund, default method), on PostgreSQL with the development gateway, run in a
 * mock activity context. Declines are results; outages are retryable failures;
 * every charge and refund happens once per idempotency key.
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import {
  createDevPaymentGateway,
  createPaymentActivities,
  DEV_TEST_CARDS,
  type PaymentActivities,
  type TokenizedPaymentMethod,
} from '../../activities/payment';
import { createTestDatabase } from '../support/integration';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let acts: PaymentActivities;
const gateway = createDevPaymentGateway();
// Refusals are expected here: keep the activity logger quiet below ERROR.
const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> =>
  env.run(fn, ...args);

beforeAll(async () => {
  database = await createTestDatabase();
  acts = createPaymentActivities(database.db, { gateway });
});
afterAll(async () => {
  await database?.drop();
  // No worker or connection ever registers with the Temporal runtime the setup file
  // installs, so nothing would shut it down and jest would not exit.
  await Runtime.instance().shutdown();
});

async function accountWithCard(accountId: string, number: string): Promise<TokenizedPaymentMethod> {
  await database.db.account.create({
    data: {
      id: accountId,
      displayName: accountId,
      email: `${accountId}@example.com`,
      status: 'upgraded',
    },
  });
  const method = await gateway.tokenize(
    {
      type: 'card',
      number,
      expMonth: 12,
      expYear: new Date().getUTCFullYear() + 2,
      cvc: '123',
      holderName: 'X',
    },
    `${accountId}:tokenize`,
  );
  await run(acts.recordPaymentMethod, { accountId, method, operationKey: `${accountId}:pm:1` });
  return method;
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ApplicationFailure) return err;
    throw err;
  }
  throw new Error('expected an ApplicationFailure');
}

describe('chargePayment', () => {
  test('charges the default method once per idempotency key', async () => {
    await accountWithCard('acct-pay-ok', DEV_TEST_CARDS.success);
    const input = {
      accountId: 'acct-pay-ok',
      amount: '12.50',
      currency: 'USD' as const,
      orderId: 'o-1',
      idempotencyKey: 'order/o-1:charge',
    };
    const first = await run(acts.chargePayment, input);
    const again = await run(acts.chargePayment, input);
    expect(first).toEqual({ paymentId: expect.stringMatching(/^pay_/), status: 'succeeded' });
    expect(again).toEqual(first);
    const rows = await database.db.payment.findMany({ where: { accountId: 'acct-pay-ok' } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      kind: 'charge',
      status: 'succeeded',
      orderId: 'o-1',
      currency: 'USD',
    });
    expect(rows[0]?.amount.toString()).toBe('12.5');
    expect(rows[0]?.gatewayReference).toMatch(/^ch_/);

    const reused = await failureOf(run(acts.chargePayment, { ...input, amount: '13.00' }));
    expect(reused).toMatchObject({ type: 'idempotency_key_reused', nonRetryable: true });
  });

  test('declines are results, recorded once: card_declined and insufficient_funds', async () => {
    await accountWithCard('acct-pay-decline', DEV_TEST_CARDS.declined);
    await accountWithCard('acct-pay-nofunds', DEV_TEST_CARDS.insufficientFunds);
    const declined = {
      accountId: 'acct-pay-decline',
      amount: '5.00',
      currency: 'USD' as const,
      idempotencyKey: 'bill/b-1:charge',
    };
    expect(await run(acts.chargePayment, declined)).toMatchObject({
      status: 'declined',
      reason: 'card_declined',
    });
    expect(await run(acts.chargePayment, declined)).toMatchObject({
      status: 'declined',
      reason: 'card_declined',
    });
    expect(await database.db.payment.count({ where: { accountId: 'acct-pay-decline' } })).toBe(1);
    expect(
      await run(acts.chargePayment, {
        accountId: 'acct-pay-nofunds',
        amount: '5.00',
        currency: 'USD',
        idempotencyKey: 'bill/b-2:charge',
      }),
    ).toMatchObject({ status: 'declined', reason: 'insufficient_funds' });
  });

  test('a gateway error is retryable and leaves the charge pending for the retry', async () => {
    await accountWithCard('acct-pay-error', DEV_TEST_CARDS.gatewayError);
    const failure = await failureOf(
      run(acts.chargePayment, {
        accountId: 'acct-pay-error',
        amount: '5.00',
        currency: 'USD',
        idempotencyKey: 'order/o-9:charge',
      }),
    );
    expect(failure).toMatchObject({ type: 'gateway_unavailable', nonRetryable: false });
    const row = await database.db.payment.findUniqueOrThrow({
      where: { idempotencyKey: 'order/o-9:charge' },
    });
    expect(row.status).toBe('pending');
  });

  test('refusals: no payment method, a token of another account, a bad amount', async () => {
    await database.db.account.create({
      data: { id: 'acct-pay-none', displayName: 'n', email: 'n@example.com', status: 'upgraded' },
    });
    expect(
      await failureOf(
        run(acts.chargePayment, {
          accountId: 'acct-pay-none',
          amount: '1.00',
          currency: 'USD',
          idempotencyKey: 'k-none',
        }),
      ),
    ).toMatchObject({ type: 'no_payment_method', nonRetryable: true });
    const other = await accountWithCard('acct-pay-other', DEV_TEST_CARDS.success);
    expect(
      await failureOf(
        run(acts.chargePayment, {
          accountId: 'acct-pay-none',
          amount: '1.00',
          currency: 'USD',
          methodToken: other.token,
          idempotencyKey: 'k-other',
        }),
      ),
    ).toMatchObject({ type: 'payment_method_not_found' });
    expect(
      await failureOf(
        run(acts.chargePayment, {
          accountId: 'acct-pay-other',
          amount: '1.001',
          currency: 'USD',
          idempotencyKey: 'k-amt',
        }),
      ),
    ).toMatchObject({ type: 'invalid_amount' });
    expect(await database.db.payment.count({ where: { accountId: 'acct-pay-none' } })).toBe(0);
  });
});

describe('refundPayment and getDefaultPaymentMethod', () => {
  test('partial refunds, once per key, never more than the charge', async () => {
    await accountWithCard('acct-refund', DEV_TEST_CARDS.success);
    const { paymentId } = await run(acts.chargePayment, {
      accountId: 'acct-refund',
      amount: '10.00',
      currency: 'USD',
      orderId: 'o-r',
      idempotencyKey: 'order/o-r:charge',
    });
    const a = await run(acts.refundPayment, {
      paymentId,
      amount: '4.00',
      idempotencyKey: 'order/o-r:refund:1',
    });
    const again = await run(acts.refundPayment, {
      paymentId,
      amount: '4.00',
      idempotencyKey: 'order/o-r:refund:1',
    });
    expect(a).toMatchObject({ paymentId, status: 'succeeded' });
    expect(again).toEqual(a);
    await run(acts.refundPayment, {
      paymentId,
      amount: '6.00',
      idempotencyKey: 'order/o-r:refund:2',
    });
    expect(
      await failureOf(
        run(acts.refundPayment, {
          paymentId,
          amount: '0.01',
          idempotencyKey: 'order/o-r:refund:3',
        }),
      ),
    ).toMatchObject({ type: 'refund_exceeds_charge', nonRetryable: true });
    const refunds = await database.db.payment.findMany({
      where: { accountId: 'acct-refund', kind: 'refund' },
    });
    expect(refunds.map((r) => r.amount.toString()).sort()).toEqual(['4', '6']);
    expect(refunds.every((r) => r.orderId === 'o-r' && r.status === 'succeeded')).toBe(true);
    expect(
      await failureOf(
        run(acts.refundPayment, { paymentId: 'pay_missing', amount: '1.00', idempotencyKey: 'x' }),
      ),
    ).toMatchObject({ type: 'payment_not_found' });
  });

  test('the latest recorded method is the only default', async () => {
    const card = await accountWithCard('acct-default', DEV_TEST_CARDS.success);
    const paypal = await gateway.tokenize(
      { type: 'paypal', email: 'pp@example.com' },
      'acct-default:pp',
    );
    await run(acts.recordPaymentMethod, {
      accountId: 'acct-default',
      method: paypal,
      operationKey: 'acct-default:pm:2',
    });
    expect(await run(acts.getDefaultPaymentMethod, 'acct-default')).toMatchObject({
      type: 'paypal',
      label: 'p***@example.com',
      token: paypal.token,
    });
    expect(await run(acts.getDefaultPaymentMethod, 'acct-nobody')).toBeNull();
    const defaults = () =>
      database.db.paymentMethod.findMany({
        where: { accountId: 'acct-default', isDefault: true },
      });
    expect((await defaults()).map((m) => m.type)).toEqual(['paypal']);

    // A retry of the card's step finds its row by the key and makes it the only default again.
    const again = await run(acts.recordPaymentMethod, {
      accountId: 'acct-default',
      method: card,
      operationKey: 'acct-default:pm:1',
    });
    expect((await defaults()).map((m) => m.id)).toEqual([again.paymentMethodId]);
    expect(await database.db.paymentMethod.count({ where: { accountId: 'acct-default' } })).toBe(2);
  });
});
