/**
 * Issue 9, bad input: property-based fuzzing (fast-check) of every update
 * contract of the trial upgrade, the order and the bill, and of their workflow
 * inputs. One field of a valid input at a time is replaced by a malformed,
 * oversized, wrongly typed or hostile value; the parse is refused, every error
 * names the field (or the unexpected key), and nothing throws. The validators
 * themselves (parseOrRefuse) turn that into an `invalid_input` refusal listing
 * the fields. Coupon codes: case variants stay distinct codes, unicode
 * look-alikes, zero-width and space variants are refused.
 */
import fc from 'fast-check';
import type { z } from 'zod';
import { ApplicationFailure } from '@temporalio/common';
import { CouponCodeSchema, parseInput } from '../../../domain/contracts';
import {
  BillingAddressSchema,
  CompanyAddressSchema,
  ResendCodeSchema,
  SubmitPhoneSchema,
  SubmitPromoCodeSchema,
  TokenizedPaymentMethodSchema,
  VerifyCodeSchema,
} from '../../../workflows/trial-upgrade/contracts';
import {
  CancelOrderSchema,
  OrderWorkflowInputSchema,
  PayOrderSchema,
  UnsubscribeOrderSchema,
} from '../../../workflows/order/contracts';
import {
  AdjustBillSchema,
  BillWorkflowInputSchema,
  CancelPaymentSchema,
  RollbackBillSchema,
} from '../../../workflows/bill/contracts';
import { RetryPaymentSchema } from '../../../workflows/shared/payment-retry';
import { parseOrRefuse } from '../../../workflows/trial-upgrade/refusals';

const RUNS = 150;

const token = {
  type: 'card',
  token: 'tok_card_visa_4242_122030_ok_0123456789abcdef',
  brand: 'visa',
  last4: '4242',
  expMonth: 12,
  expYear: 2030,
};
const address = { country: 'JP', line1: '1-2-3 Marunouchi', city: 'Tokyo', postalCode: '100-0005' };

interface Contract {
  schema: z.ZodType;
  valid: Record<string, unknown>;
  /** Fields to attack, with values that must be refused there (beyond wrong types). */
  fields: Record<string, fc.Arbitrary<unknown>>;
}

// ---- hostile values --------------------------------------------------------------

/** Anything that is not a string. */
const notString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
  fc.constant(Number.NaN),
);
const notNumber = fc.oneof(
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.double({ noInteger: true }),
  fc.constant(Number.POSITIVE_INFINITY),
  fc.constant(Number.NaN),
  fc.array(fc.integer(), { maxLength: 2 }),
);
// Fenced by non-space characters: schemas trim, and a mostly-blank string would
// shrink back under its limit (a fuzzer-found false alarm).
const oversized = (min: number) =>
  fc.string({ minLength: min, maxLength: min + 2000 }).map((s) => `x${s}x`);
/** Injection and control text: refused wherever a code, id, phone or amount is expected. */
const hostileText = fc.constantFrom(
  '\'; DROP TABLE "Coupon"; --',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '${process.exit(1)}',
  '\u0000',
  '\u202e' + 'evil',
  '',
);
/** Strings that look like numbers to a lenient parser. */
const numberish = fc.constantFrom(
  '１２.５０',
  '12,50',
  '-5.00',
  '1e3',
  '0x10',
  ' 12.50',
  'NaN',
  'Infinity',
  '00.1',
  '1.',
  '.5',
);
const lookAlike: Record<string, string[]> = {
  A: ['\u0410', '\uff21', '\u0391'],
  E: ['\u0415', '\u0395', '\uff25'],
  O: ['\u041e', '\u039f', '0\u0338'],
  S: ['\u0405', '\uff33'],
  V: ['\u0474', '\uff36'],
  a: ['\u0430', '\uff41'],
  e: ['\u0435', '\uff45'],
  o: ['\u043e', '\u03bf'],
  '1': ['\uff11', '\u0661', 'l'],
  '0': ['\uff10', '\u06f0'],
};
/** A valid code with one character swapped for a unicode look-alike, or spaced / zero-width. */
const codeVariant = (code: string) =>
  fc.oneof(
    fc.integer({ min: 0, max: code.length - 1 }).chain((i) =>
      fc
        .constantFrom(...(lookAlike[code[i] ?? ''] ?? ['\u200b' + (code[i] ?? '')]))
        .filter((c) => c !== 'l')
        .map((c) => code.slice(0, i) + c + code.slice(i + 1)),
    ),
    fc.constantFrom(
      ` ${code}`,
      `${code} `,
      `${code}\n`,
      `${code}\u200b`,
      `\ufeff${code}`,
      code.normalize('NFKD') + '\u0301',
      code.split('').join(' '),
    ),
  );
const badCode = fc.oneof(notString, oversized(65), hostileText, codeVariant('SAVE10OFF'));
const badAmount = fc.oneof(notString, hostileText, numberish);
const badReason = fc.oneof(notString, oversized(501), fc.constant(''));
const badToken = fc.oneof(
  notString,
  fc.constant({ ...token, token: '4242424242424242' }),
  fc.constant({ ...token, number: '4242424242424242' }),
  fc.constant({ ...token, cvc: '123' }),
  fc.constant({ ...token, type: 'CARD' }),
  fc.constant({ ...token, brand: 'Visa' }),
  fc.constant({ ...token, last4: '42a2' }),
  fc.constant({ ...token, expMonth: 13 }),
  fc.constant({ ...token, token: 'tok_' + 'x'.repeat(300) }),
);

// ---- the contracts ------------------------------------------------------------------

const CONTRACTS: Record<string, Contract> = {
  'trialUpgrade.submitPhone': {
    schema: SubmitPhoneSchema,
    valid: { phone: '+14155550123', channel: 'sms' },
    fields: {
      phone: fc.oneof(
        notString,
        hostileText,
        fc.constantFrom('+0123', '14155550123', '+1 415 555', '+' + '1'.repeat(16)),
      ),
      channel: fc.oneof(notString, fc.constantFrom('SMS', 'Voice', 'email', 'ѕms')),
    },
  },
  'trialUpgrade.resendCode': {
    schema: ResendCodeSchema,
    valid: { channel: 'voice' },
    fields: { channel: fc.oneof(notString, fc.constantFrom('VOICE', 'fax')) },
  },
  'trialUpgrade.verifyCode': {
    schema: VerifyCodeSchema,
    valid: { sealedCode: `v1.${'A'.repeat(60)}` },
    fields: {
      sealedCode: fc.oneof(
        notString,
        hostileText,
        oversized(300),
        fc.constantFrom('123456', 'v2.' + 'A'.repeat(60)),
      ),
    },
  },
  'trialUpgrade.submitCompanyAddress': {
    schema: CompanyAddressSchema,
    valid: address,
    fields: {
      country: fc.oneof(notString, fc.constantFrom('jp', 'JPN', 'Ｊ Ｐ', '')),
      line1: fc.oneof(notString, oversized(201), fc.constantFrom('', '   ')),
      city: fc.oneof(notString, oversized(101)),
      postalCode: fc.oneof(notString, hostileText, oversized(13)),
    },
  },
  'trialUpgrade.submitBillingAddress': {
    schema: BillingAddressSchema,
    valid: { sameAsCompany: false, address },
    fields: {
      sameAsCompany: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
      address: fc.oneof(
        notString.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
        fc.constant({ ...address, country: 'xx' }),
      ),
    },
  },
  'trialUpgrade.submitPaymentMethod': {
    schema: TokenizedPaymentMethodSchema,
    valid: token,
    fields: {
      token: fc.oneof(
        notString,
        hostileText,
        fc.constantFrom('4242424242424242', 'tok_' + 'x'.repeat(300)),
      ),
      brand: fc.oneof(notString, fc.constantFrom('Visa', 'VISA', 'vіsa')),
      last4: fc.oneof(notString, fc.constantFrom('42a2', '424', '４２４２')),
      expMonth: fc.oneof(notNumber, fc.constantFrom(0, 13)),
      expYear: fc.oneof(notNumber, fc.constantFrom(1999, 2101)),
    },
  },
  'trialUpgrade.submitPromoCode': {
    schema: SubmitPromoCodeSchema,
    valid: { code: 'SAVE10OFF' },
    fields: { code: badCode },
  },
  'order.payOrder': {
    schema: PayOrderSchema,
    valid: { paymentMethod: token },
    fields: { paymentMethod: badToken },
  },
  'order.retryPayment / bill.retryPayment': {
    schema: RetryPaymentSchema,
    valid: { paymentMethod: token },
    fields: { paymentMethod: badToken },
  },
  'order.cancelOrder': {
    schema: CancelOrderSchema,
    valid: { reason: 'customer asked' },
    fields: { reason: badReason },
  },
  'order.unsubscribeOrder': {
    schema: UnsubscribeOrderSchema,
    valid: { reason: 'done' },
    fields: { reason: badReason },
  },
  'order workflow input': {
    schema: OrderWorkflowInputSchema,
    valid: {
      order: {
        orderId: 'o-1',
        accountId: 'acct-1',
        commodityCode: 'ecs',
        orderType: 'new_purchase',
        consumptionType: 'subscription',
        amount: '50.00',
        currency: 'USD',
        durationMonths: 1,
        couponId: 'cpn-1',
      },
      paymentWindowMs: 86_400_000,
    },
    fields: {
      order: fc.oneof(
        notString.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
      ),
      paymentWindowMs: fc.oneof(notNumber, fc.constantFrom(0, -1, 999, 366 * 86_400_000)),
    },
  },
  'bill.cancelPayment': {
    schema: CancelPaymentSchema,
    valid: { reason: 'gave up' },
    fields: { reason: badReason },
  },
  'bill.rollbackBill': {
    schema: RollbackBillSchema,
    valid: { reason: 'wrong meter' },
    fields: { reason: badReason },
  },
  'bill.adjustBill': {
    schema: AdjustBillSchema,
    valid: { adjustedAmount: '12.50', reason: 'meter fixed' },
    fields: { adjustedAmount: badAmount, reason: badReason },
  },
  'bill workflow input': {
    schema: BillWorkflowInputSchema,
    valid: {
      billId: 'bill-1',
      accountId: 'acct-1',
      commodityCode: 'ecs',
      amount: '12.50',
      currency: 'USD',
    },
    fields: {
      billId: fc.oneof(notString, hostileText, oversized(65)),
      accountId: fc.oneof(notString, hostileText, oversized(65)),
      commodityCode: fc.oneof(notString, oversized(65), fc.constant('')),
      amount: fc.oneof(badAmount, fc.constantFrom('0', '0.00', '12.345')),
      currency: fc.oneof(notString, fc.constantFrom('usd', 'US$', 'XXX', 'ＵＳＤ')),
      overdue: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
      billedAt: fc.oneof(
        notString,
        hostileText,
        fc.constantFrom('2024-01-31', '31/01/2024', '2024-13-01T00:00:00Z'),
      ),
    },
  },
};

/** Nested field (order.orderId) attacks of the order input. */
const ORDER_FIELDS: Record<string, fc.Arbitrary<unknown>> = {
  orderId: fc.oneof(notString, hostileText, oversized(65)),
  accountId: fc.oneof(notString, hostileText, oversized(65)),
  orderType: fc.oneof(notString, fc.constantFrom('NEW_PURCHASE', 'payg_bill ', 'refund')),
  amount: fc.oneof(badAmount, fc.constantFrom('0')),
  currency: fc.oneof(notString, fc.constantFrom('usd', 'ＵＳＤ')),
  couponId: fc.oneof(notString, hostileText, oversized(65)),
  durationMonths: fc.oneof(notNumber, fc.constantFrom(0, -1)),
};

/** Schemas that drop unknown keys instead of refusing them (z.object, not z.strictObject). */
const STRIPPING = new Set<z.ZodType>([CompanyAddressSchema]);

function expectRefusedNaming(schema: z.ZodType, input: unknown, field: string): void {
  let parsed: ReturnType<typeof parseInput>;
  expect(() => (parsed = parseInput(schema, input))).not.toThrow();
  parsed = parseInput(schema, input);
  if (parsed.ok) throw new Error(`accepted ${JSON.stringify(input)} (attacked ${field})`);
  const named = parsed.errors.some(
    (e) =>
      e.path === field ||
      e.path.startsWith(`${field}.`) ||
      e.message.includes(`"${field.split('.').pop()}"`),
  );
  if (!named) {
    throw new Error(
      `errors for ${field} do not name it: ${parsed.message} (input ${JSON.stringify(input)})`,
    );
  }
  // The workflow validator: the same as a typed refusal listing the fields.
  try {
    parseOrRefuse(schema, input);
    throw new Error('parseOrRefuse accepted');
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('invalid_input');
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as ApplicationFailure).details?.[0]).toMatchObject({ fields: parsed.errors });
  }
}

describe.each(Object.entries(CONTRACTS))('%s', (_name, contract) => {
  test('the valid sample parses (the attacks below start from valid input)', () => {
    expect(parseInput(contract.schema, contract.valid)).toMatchObject({ ok: true });
  });

  test.each(Object.keys(contract.fields))('a hostile %s is refused naming it', (field) => {
    fc.assert(
      fc.property(contract.fields[field]!, (value) => {
        expectRefusedNaming(contract.schema, { ...contract.valid, [field]: value }, field);
      }),
      { numRuns: RUNS },
    );
  });

  test('an unexpected extra field (e.g. a raw card number) is refused naming it, or dropped', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('number', 'cvc', '__proto__x', 'constructor', 'isAdmin', 'code'),
        fc.anything(),
        (key, value) => {
          // An extra field only: a contract's own field (promo step: `code`) is attacked above.
          if (key in (contract.valid as object)) return;
          const input = { ...contract.valid, [key]: value };
          if (STRIPPING.has(contract.schema)) {
            // A plain (non-strict) object: the key never reaches the parsed value.
            const parsed = parseInput(contract.schema, input);
            expect(parsed.ok && Object.keys(parsed.value as object)).not.toContain(key);
            return;
          }
          expectRefusedNaming(contract.schema, input, key);
        },
      ),
      { numRuns: 50 },
    );
  });

  test('anything that is not an object is refused as a whole, without throwing', () => {
    fc.assert(
      fc.property(
        fc.anything().filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)),
        (value) => {
          const parsed = parseInput(contract.schema, value);
          expect(parsed.ok).toBe(false);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('order workflow input: nested order fields', () => {
  test.each(Object.keys(ORDER_FIELDS))('a hostile order.%s is refused naming it', (field) => {
    const valid = CONTRACTS['order workflow input']!.valid as { order: Record<string, unknown> };
    fc.assert(
      fc.property(ORDER_FIELDS[field]!, (value) => {
        expectRefusedNaming(
          OrderWorkflowInputSchema,
          { ...valid, order: { ...valid.order, [field]: value } },
          `order.${field}`,
        );
      }),
      { numRuns: RUNS },
    );
  });
});

describe('coupon codes (seed 002: exact, case-sensitive)', () => {
  test('unicode look-alikes, zero-width characters and spaced variants are refused', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9]{4,20}$/).chain((code) => codeVariant(code)),
        (variant) => {
          expect(parseInput(CouponCodeSchema, variant).ok).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('case variants are valid codes of their own: the schema never folds case', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), (code) => {
        for (const variant of [code, code.toUpperCase(), code.toLowerCase()]) {
          const parsed = parseInput(CouponCodeSchema, variant);
          expect(parsed).toEqual({ ok: true, value: variant });
        }
      }),
      { numRuns: 200 },
    );
  });
});
