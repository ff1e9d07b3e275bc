/** The development payment gateway: card checks, test numbers, idempotency (issue 6). */
import fc from 'fast-check';
import {
  cardBrand,
  createDevPaymentGateway,
  DEV_TEST_CARDS,
  GatewayUnavailableError,
  InvalidPaymentMethodError,
  type RawPaymentMethod,
} from '../../../activities/payment';

const NOW = new Date('2026-11-23T00:00:00Z');
const gateway = createDevPaymentGateway({ now: () => NOW });
const card = (
  number: string,
  over: Partial<Extract<RawPaymentMethod, { type: 'card' }>> = {},
): RawPaymentMethod => ({
  type: 'card',
  number,
  expMonth: 12,
  expYear: 2028,
  cvc: '123',
  holderName: 'Test Holder',
  ...over,
});

async function fieldOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof InvalidPaymentMethodError) return err.field;
    throw err;
  }
  throw new Error('expected InvalidPaymentMethodError');
}

/** Appends the Luhn check digit to `body`. */
function withCheckDigit(body: string): string {
  for (let d = 0; d <= 9; d++) {
    const candidate = body + String(d);
    let sum = 0;
    for (let i = 0; i < candidate.length; i++) {
      let n = Number(candidate[candidate.length - 1 - i]);
      if (i % 2 === 1) {
        n *= 2;
        if (n > 9) n -= 9;
      }
      sum += n;
    }
    if (sum % 10 === 0) return candidate;
  }
  throw new Error('unreachable');
}

describe('dev gateway: tokenize', () => {
  test('a valid card becomes a tok_ token with brand, last four and expiry, never the number', async () => {
    const method = await gateway.tokenize(card(DEV_TEST_CARDS.success), 'key-1');
    expect(method).toMatchObject({
      type: 'card',
      brand: 'visa',
      last4: '4242',
      expMonth: 12,
      expYear: 2028,
    });
    expect(method.token).toMatch(/^tok_/);
    expect(JSON.stringify(method)).not.toContain(DEV_TEST_CARDS.success);
    expect(JSON.stringify(method)).not.toContain('123"');
  });

  test('the same idempotency key gives the same token; another key another token', async () => {
    const a = await gateway.tokenize(card(DEV_TEST_CARDS.success), 'key-1');
    const b = await gateway.tokenize(card(DEV_TEST_CARDS.success), 'key-1');
    const c = await gateway.tokenize(card(DEV_TEST_CARDS.success), 'key-2');
    expect(b.token).toBe(a.token);
    expect(c.token).not.toBe(a.token);
  });

  test('Luhn: one changed digit is refused, naming the number field', async () => {
    expect(await fieldOf(gateway.tokenize(card('4242424242424241'), 'k'))).toBe('number');
    expect(await fieldOf(gateway.tokenize(card('4242 4242 4242 4242'), 'k'))).toBe('number');
  });

  test('Luhn property: every number with a correct check digit tokenizes; a wrong check digit never does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^[1-9]\d{13,17}$/),
        fc.integer({ min: 1, max: 9 }),
        async (body, shift) => {
          const good = withCheckDigit(body);
          const bad = good.slice(0, -1) + String((Number(good.slice(-1)) + shift) % 10);
          await expect(gateway.tokenize(card(good), 'k')).resolves.toMatchObject({
            last4: good.slice(-4),
          });
          expect(await fieldOf(gateway.tokenize(card(bad), 'k'))).toBe('number');
        },
      ),
      { numRuns: 100 },
    );
  });

  test('expiry is checked against the gateway clock: this month is fine, last month is not', async () => {
    await expect(
      gateway.tokenize(card(DEV_TEST_CARDS.success, { expMonth: 11, expYear: 2026 }), 'k'),
    ).resolves.toBeDefined();
    expect(
      await fieldOf(
        gateway.tokenize(card(DEV_TEST_CARDS.success, { expMonth: 10, expYear: 2026 }), 'k'),
      ),
    ).toBe('expYear');
    expect(
      await fieldOf(gateway.tokenize(card(DEV_TEST_CARDS.success, { expMonth: 13 }), 'k')),
    ).toBe('expMonth');
    expect(await fieldOf(gateway.tokenize(card(DEV_TEST_CARDS.success, { cvc: '12' }), 'k'))).toBe(
      'cvc',
    );
  });

  test('brands', () => {
    expect(cardBrand('4242424242424242')).toBe('visa');
    expect(cardBrand('5555555555554444')).toBe('mastercard');
    expect(cardBrand('2223003122003222')).toBe('mastercard');
    expect(cardBrand('378282246310005')).toBe('amex');
    expect(cardBrand('6011111111111117')).toBe('discover');
    expect(cardBrand('3566002020360505')).toBe('jcb');
    expect(cardBrand('36227206271667')).toBe('diners');
    expect(cardBrand('6200000000000005')).toBe('unionpay');
    expect(cardBrand('9999999999999995')).toBe('unknown');
  });

  test('PayPal: the e-mail is masked in the label', async () => {
    const method = await gateway.tokenize({ type: 'paypal', email: 'jane.doe@example.com' }, 'k');
    expect(method).toMatchObject({ type: 'paypal', label: 'j***@example.com' });
    expect(JSON.stringify(method)).not.toContain('jane.doe');
    expect(await fieldOf(gateway.tokenize({ type: 'paypal', email: 'not-an-email' }, 'k'))).toBe(
      'email',
    );
  });
});

describe('dev gateway: test numbers at charge', () => {
  const charge = async (number: string, key = `charge-${number}`) => {
    const { token } = await gateway.tokenize(card(number), `tok-${number}`);
    return gateway.charge({ token, amount: '10.00', currency: 'USD', idempotencyKey: key });
  };

  test('4242424242424242 succeeds; the same key gives the same reference', async () => {
    const a = await charge(DEV_TEST_CARDS.success, 'k-1');
    const b = await charge(DEV_TEST_CARDS.success, 'k-1');
    expect(a).toMatchObject({ status: 'succeeded' });
    expect(a.reference).toMatch(/^ch_/);
    expect(b).toEqual(a);
    expect((await charge(DEV_TEST_CARDS.success, 'k-2')).reference).not.toBe(a.reference);
  });

  test('4000000000000002 tokenizes, then is declined (card_declined)', async () => {
    expect(await charge(DEV_TEST_CARDS.declined)).toMatchObject({
      status: 'declined',
      reason: 'card_declined',
    });
  });

  test('4000000000009995 is declined for insufficient funds', async () => {
    expect(await charge(DEV_TEST_CARDS.insufficientFunds)).toMatchObject({
      status: 'declined',
      reason: 'insufficient_funds',
    });
  });

  test('4000000000000119 fails with a retryable gateway error', async () => {
    await expect(charge(DEV_TEST_CARDS.gatewayError)).rejects.toBeInstanceOf(
      GatewayUnavailableError,
    );
  });

  test('a card that expired after tokenizing is declined at charge', async () => {
    const early = createDevPaymentGateway({ now: () => new Date('2026-01-15T00:00:00Z') });
    const late = createDevPaymentGateway({ now: () => new Date('2026-03-01T00:00:00Z') });
    const { token } = await early.tokenize(
      card(DEV_TEST_CARDS.success, { expMonth: 2, expYear: 2026 }),
      'k',
    );
    expect(
      await late.charge({ token, amount: '1.00', currency: 'USD', idempotencyKey: 'x' }),
    ).toMatchObject({
      status: 'declined',
      reason: 'expired_card',
    });
  });

  test('PayPal "+decline" accounts are declined; unknown tokens are invalid; amounts must be positive', async () => {
    const { token } = await gateway.tokenize(
      { type: 'paypal', email: 'buyer+decline@example.com' },
      'k',
    );
    expect(
      await gateway.charge({ token, amount: '5.00', currency: 'USD', idempotencyKey: 'p' }),
    ).toMatchObject({
      status: 'declined',
      reason: 'card_declined',
    });
    expect(
      await gateway.charge({
        token: 'tok_forged',
        amount: '5.00',
        currency: 'USD',
        idempotencyKey: 'f',
      }),
    ).toMatchObject({ status: 'declined', reason: 'invalid_payment_method' });
    expect(
      await fieldOf(gateway.charge({ token, amount: '0', currency: 'USD', idempotencyKey: 'z' })),
    ).toBe('amount');
    expect(
      await fieldOf(
        gateway.charge({ token, amount: '1.005', currency: 'USD', idempotencyKey: 'z' }),
      ),
    ).toBe('amount');
  });

  test('refunds are idempotent by key and need a charge reference', async () => {
    const { reference } = await charge(DEV_TEST_CARDS.success, 'r-1');
    const a = await gateway.refund({
      reference,
      amount: '4.00',
      currency: 'USD',
      idempotencyKey: 'rf-1',
    });
    const b = await gateway.refund({
      reference,
      amount: '4.00',
      currency: 'USD',
      idempotencyKey: 'rf-1',
    });
    expect(a).toMatchObject({ status: 'succeeded' });
    expect(a.reference).toMatch(/^re_/);
    expect(b).toEqual(a);
    expect(
      await gateway.refund({
        reference: 'nope',
        amount: '1.00',
        currency: 'USD',
        idempotencyKey: 'rf-2',
      }),
    ).toMatchObject({ status: 'declined', reason: 'charge_not_found' });
  });
});
