import {
  type Coupon,
  type Product,
  ProductSchema,
  REFERENCE_CATALOG,
  AddressSchema,
  BillSchema,
  CouponCodeSchema,
  CouponSchema,
  OrderCreationSchema,
  PaymentMethodSchema,
  PhoneSchema,
  PositiveAmountSchema,
  PromoCodeInputSchema,
  ReturnEventSchema,
  UpgradeAccountSchema,
  VerificationChannelSchema,
  parseInput,
} from '../../../domain';
import { coupon } from './fixtures';

const address = { country: 'US', line1: '1 Main St', city: 'Springfield', postalCode: '12345' };
const upgrade = {
  accountId: 'acct-1',
  phone: '+14155550123',
  verificationChannel: 'sms',
  companyAddress: address,
  billingSameAsCompany: true,
  paymentMethod: { type: 'paypal', email: 'pay@example.com' },
  promoCode: 'WELCOME-2024',
  automaticRecharge: false,
};

const errorsOf = (schema: Parameters<typeof parseInput>[0], value: unknown): string[] => {
  const r = parseInput(schema, value);
  return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
};

describe('contracts', () => {
  it('seed 002 §Getting coupons: a coupon code is exact and case-sensitive (never trimmed or case-folded)', () => {
    expect(parseInput(CouponCodeSchema, 'Spring-2024_a')).toEqual({
      ok: true,
      value: 'Spring-2024_a',
    });
    for (const bad of ['', ' ABC', 'ABC ', 'A B', 'AB\u0000', 'AB\n', 'ÄBC', 'x'.repeat(65)]) {
      expect(parseInput(CouponCodeSchema, bad).ok).toBe(false);
    }
  });

  it('issue 4 §Contracts: amount: positive, plain decimal, at most 2 decimals', () => {
    expect(parseInput(PositiveAmountSchema, '12.50').ok).toBe(true);
    for (const bad of ['0', '0.00', '-1', '1.234', '1e2', 12.5]) {
      expect(parseInput(PositiveAmountSchema, bad).ok).toBe(false);
    }
  });

  it('issue 4 §Contracts: currency digits are checked per currency and the error names the field', () => {
    const order = {
      orderId: 'o-1',
      accountId: 'a',
      commodityCode: 'ecs',
      orderType: 'new_purchase',
      consumptionType: 'subscription',
      amount: '12.50',
      currency: 'JPY',
    };
    expect(errorsOf(OrderCreationSchema, order)).toEqual(['amount: JPY allows at most 0 decimals']);
    expect(parseInput(OrderCreationSchema, { ...order, currency: 'USD' }).ok).toBe(true);
  });

  it('seed 002 §Paying an order: an order names at most one coupon (payg_bill is not an order type for orders)', () => {
    const order = {
      orderId: 'o-1',
      accountId: 'a',
      commodityCode: 'ecs',
      orderType: 'payg_bill',
      consumptionType: 'subscription',
      amount: '1.00',
      currency: 'USD',
      couponId: ['c-1', 'c-2'],
    };
    expect(errorsOf(OrderCreationSchema, order).map((e) => e.split(':')[0])).toEqual([
      'orderType',
      'couponId',
    ]);
  });

  it('seed 002 §Pay-as-you-go arrears (issue 4 §Contracts): bill input: arrears fields are required and typed', () => {
    const bill = {
      billId: 'b-1',
      accountId: 'a',
      commodityCode: 'ecs',
      amount: '3.00',
      currency: 'USD',
      billedAt: '2024-03-01T00:00:00Z',
      overdue: false,
      outstandingArrears: '0',
    };
    expect(parseInput(BillSchema, bill).ok).toBe(true);
    expect(errorsOf(BillSchema, { ...bill, overdue: undefined, billedAt: '2024-03-01' })).toEqual([
      'billedAt: Must be an ISO-8601 instant with a zone, e.g. 2024-01-31T00:00:00Z',
      'overdue: Required',
    ]);
  });

  it('seed 002 §Kinds (issue 4 §Contracts): coupon records: the fixture is valid; kind-specific fields are enforced', () => {
    expect(parseInput(CouponSchema, coupon()).ok).toBe(true);
    expect(errorsOf(CouponSchema, coupon({ kind: 'threshold' }))).toEqual(['threshold: Required']);
    expect(
      errorsOf(
        CouponSchema,
        coupon({ allProducts: true, scope: { type: 'products', productCodes: ['ecs'] } }),
      ),
    ).toEqual(['allProducts: Only a general coupon can be marked "all products"']);
    expect(errorsOf(CouponSchema, coupon({ balance: '100.01' }))).toEqual([
      'balance: Balance cannot exceed the face value',
    ]);
    expect(errorsOf(CouponSchema, coupon({ status: 'frozen' }))).toEqual([
      'frozenForOrderId: Required',
    ]);
  });

  it('issue 4 §Contracts: parsed coupon and product records are the domain types (no cast needed)', () => {
    const c = parseInput(CouponSchema, coupon());
    const p = parseInput(ProductSchema, REFERENCE_CATALOG[0]);
    if (!c.ok || !p.ok) throw new Error('fixture must parse');
    const asCoupon: Coupon = c.value;
    const asProduct: Product = p.value;
    expect(asCoupon.id).toBe('c-1');
    expect(asProduct.productCode).toBe('oplus');
    for (const product of REFERENCE_CATALOG)
      expect(parseInput(ProductSchema, product).ok).toBe(true);
  });

  it('seed 002 §Returns (issue 4 §Contracts): return events are a closed set', () => {
    expect(
      parseInput(ReturnEventSchema, { type: 'resource_unsubscribed', unusedFraction: '0.25' }).ok,
    ).toBe(true);
    expect(parseInput(ReturnEventSchema, { type: 'refund_everything' }).ok).toBe(false);
  });

  it('seed 000 step 2: phone numbers in E.164; step 3: verification by sms or voice', () => {
    expect(parseInput(PhoneSchema, '+819012345678').ok).toBe(true);
    for (const bad of ['09012345678', '+0123', '+1 415 555 0123'])
      expect(parseInput(PhoneSchema, bad).ok).toBe(false);
    expect(parseInput(VerificationChannelSchema, 'voice').ok).toBe(true);
    expect(parseInput(VerificationChannelSchema, 'email').ok).toBe(false);
  });

  it('seed 000 steps 4-5: addresses; errors name the nested field ("billingAddress.postalCode: Required")', () => {
    expect(parseInput(AddressSchema, address).ok).toBe(true);
    const noPostal: Record<string, string> = { ...address };
    delete noPostal.postalCode;
    expect(
      errorsOf(UpgradeAccountSchema, {
        ...upgrade,
        billingSameAsCompany: false,
        billingAddress: noPostal,
      }),
    ).toContain('billingAddress.postalCode: Required');
    expect(errorsOf(UpgradeAccountSchema, { ...upgrade, billingSameAsCompany: false })).toEqual([
      'billingAddress: Required',
    ]);
    const r = parseInput(UpgradeAccountSchema, {
      ...upgrade,
      companyAddress: { ...address, country: 'usa' },
    });
    expect(r.ok ? '' : r.message).toMatch(/^companyAddress\.country: /);
  });

  it('seed 000 step 6: card (Luhn-checked) or PayPal', () => {
    const card = {
      type: 'card',
      number: '4242424242424242',
      expMonth: 12,
      expYear: 2030,
      cvc: '123',
      holderName: 'A B',
    };
    expect(parseInput(PaymentMethodSchema, card).ok).toBe(true);
    expect(errorsOf(PaymentMethodSchema, { ...card, number: '4242424242424241' })).toEqual([
      'number: Card number fails the checksum',
    ]);
    expect(
      errorsOf(PaymentMethodSchema, { ...card, expMonth: 13 }).map((e) => e.split(':')[0]),
    ).toEqual(['expMonth']);
    expect(parseInput(PaymentMethodSchema, { type: 'paypal', email: 'not-an-email' }).ok).toBe(
      false,
    );
  });

  it('seed 000 steps 7-8: promo code at upgrade; automatic recharge must stay disabled', () => {
    expect(parseInput(UpgradeAccountSchema, upgrade).ok).toBe(true);
    expect(errorsOf(UpgradeAccountSchema, { ...upgrade, automaticRecharge: true })).toEqual([
      'automaticRecharge: Automatic recharge must be disabled for the upgrade',
    ]);
    expect(
      parseInput(PromoCodeInputSchema, { accountId: 'a', code: 'PROMO1', context: 'add_funds' }).ok,
    ).toBe(true);
    expect(
      errorsOf(PromoCodeInputSchema, { accountId: 'a', code: 'promo 1', context: 'add_funds' }).map(
        (e) => e.split(':')[0],
      ),
    ).toEqual(['code']);
  });
});
