/**
 * Issue 5: promo and coupon codes on the real database — checkCode, redeemCode,
 * their refusals, idempotent retries, and the 50-active-coupon limit under 25
 * racing redemptions.
 */
import { useLedgerDatabase } from '../../support/ledger-harness';
import {
  T0,
  createAccount,
  createCouponCode,
  createFundsCode,
  daysAfter,
  detailsOf,
  grantCoupon,
  ledgerRowCounts,
  refusalOf,
  uid,
} from '../../support/ledger-fixtures';

jest.setTimeout(60_000);
const t = useLedgerDatabase();

describe('checkCode', () => {
  test('describes a valid funds code and a valid coupon code without writing anything', async () => {
    const accountId = await createAccount(t.db);
    const funds = await createFundsCode(t.db, { amount: '25.00', servesTrialUpgrade: false });
    const coupon = await createCouponCode(t.db, {
      terms: { kind: 'discount', faceValue: '30.00', discountPercent: '15' },
    });
    const before = await ledgerRowCounts(t.db);

    expect(await t.ledger.checkCode({ accountId, code: funds, at: T0 })).toEqual({
      ok: true,
      code: funds,
      grant: 'funds',
      currency: 'USD',
      value: '25.00',
      servesTrialUpgrade: false,
    });
    expect(await t.ledger.checkCode({ accountId, code: coupon, at: T0 })).toMatchObject({
      ok: true,
      grant: 'coupon',
      value: '30.00',
      couponKind: 'discount',
    });
    expect(await ledgerRowCounts(t.db)).toEqual(before);
  });

  test('codes are exact and case-sensitive', async () => {
    const accountId = await createAccount(t.db);
    await createFundsCode(t.db, { code: 'Spring25' });
    expect(await t.ledger.checkCode({ accountId, code: 'Spring25', at: T0 })).toMatchObject({
      ok: true,
    });
    expect(await t.ledger.checkCode({ accountId, code: 'SPRING25', at: T0 })).toMatchObject({
      ok: false,
      reason: 'unknown_code',
    });
    expect(await t.ledger.checkCode({ accountId, code: 'spring25', at: T0 })).toMatchObject({
      ok: false,
      reason: 'unknown_code',
    });
  });

  test.each([
    ['code_not_yet_valid', { validFrom: daysAfter(1) }],
    ['code_expired', { validUntil: T0 }],
    ['code_exhausted', { maxRedemptions: 2, redemptionCount: 2 }],
    ['code_currency_mismatch', { currency: 'EUR' as const }],
  ])('says why a code cannot be used: %s', async (reason, over) => {
    const accountId = await createAccount(t.db);
    const code = await createFundsCode(t.db, over);
    expect(await t.ledger.checkCode({ accountId, code, at: T0 })).toMatchObject({
      ok: false,
      code,
      reason,
    });
  });

  test('a malformed code or instant is refused as invalid_input naming the field', async () => {
    const accountId = await createAccount(t.db);
    const spaced = await refusalOf(t.ledger.checkCode({ accountId, code: ' Spring25', at: T0 }));
    expect(spaced.type).toBe('invalid_input');
    expect(spaced.message).toMatch(/^code: /);
    const zoneless = await refusalOf(
      t.ledger.checkCode({ accountId, code: 'X', at: '2026-03-01T00:00:00' }),
    );
    expect(zoneless.type).toBe('invalid_input');
    expect(detailsOf(zoneless).fields).toEqual([expect.objectContaining({ path: 'at' })]);
  });
});

describe('redeemCode', () => {
  test('a funds code credits the account once: promo_credit movement, redemption row, count', async () => {
    const accountId = await createAccount(t.db, { funds: '5.00' });
    const code = await createFundsCode(t.db, { amount: '25.00' });
    const input = {
      accountId,
      code,
      at: T0,
      purpose: 'add_funds' as const,
      operationKey: uid('op'),
    };

    const result = await t.ledger.redeemCode(input);
    expect(result).toEqual({
      code,
      grant: 'funds',
      couponId: null,
      fundsAdded: '25.00',
      fundsBalance: '30.00',
    });
    const movements = await t.db.fundsMovement.findMany({
      where: { accountId, kind: 'promo_credit' },
    });
    expect(movements.map((m) => m.amountDelta.toString())).toEqual(['25']);
    expect((await t.db.redemptionCode.findUniqueOrThrow({ where: { code } })).redemptionCount).toBe(
      1,
    );

    // Retry with the same key: the same result, nothing new.
    const before = await ledgerRowCounts(t.db);
    expect(await t.ledger.redeemCode({ ...input, at: daysAfter(1) })).toEqual(result);
    expect(await ledgerRowCounts(t.db)).toEqual(before);
    // Same key, other arguments: refused.
    const reused = await refusalOf(
      t.ledger.redeemCode({ ...input, purpose: 'order_confirmation' }),
    );
    expect(reused.type).toBe('operation_key_reused');
    // Another key: the account already redeemed it.
    const again = await refusalOf(t.ledger.redeemCode({ ...input, operationKey: uid('op') }));
    expect(again.type).toBe('code_already_redeemed');
    expect(await ledgerRowCounts(t.db)).toEqual(before);
  });

  test('a coupon code creates the coupon from its terms with a redeem movement of its face value', async () => {
    const accountId = await createAccount(t.db);
    const code = await createCouponCode(t.db, {
      terms: {
        kind: 'threshold',
        faceValue: '20.00',
        threshold: '100.00',
        validDays: 10,
        orderTypes: ['new_purchase'],
      },
    });
    const result = await t.ledger.redeemCode({
      accountId,
      code,
      at: T0,
      purpose: 'order_confirmation',
      operationKey: uid('op'),
    });
    expect(result).toMatchObject({ code, grant: 'coupon', fundsAdded: null, fundsBalance: '0.00' });
    const coupon = await t.db.coupon.findUniqueOrThrow({ where: { id: result.couponId ?? '' } });
    expect(coupon).toMatchObject({
      ownerAccountId: accountId,
      kind: 'threshold',
      status: 'available',
      source: `code:${code}`,
    });
    expect(coupon.balance.toString()).toBe('20');
    expect(coupon.expiresAt.toISOString()).toBe(daysAfter(10));
    const movements = await t.db.couponMovement.findMany({ where: { couponId: coupon.id } });
    expect(movements).toEqual([
      expect.objectContaining({ kind: 'redeem', statusAfter: 'available' }),
    ]);
    expect(movements[0]?.balanceDelta.toString()).toBe('20');
  });

  test('purposes: Add Funds refuses a trial account; the upgrade takes only codes that serve it, on trial accounts', async () => {
    const trial = await createAccount(t.db, { status: 'trial' });
    const upgraded = await createAccount(t.db, { status: 'upgraded' });
    const serving = await createFundsCode(t.db, { servesTrialUpgrade: true });
    const notServing = await createFundsCode(t.db, { servesTrialUpgrade: false });
    const redeem = (accountId: string, code: string, purpose: 'add_funds' | 'trial_upgrade') =>
      t.ledger.redeemCode({ accountId, code, purpose, at: T0, operationKey: uid('op') });

    const trialAddFunds = await refusalOf(redeem(trial, serving, 'add_funds'));
    expect(trialAddFunds.type).toBe('account_is_trial');
    expect(trialAddFunds.message).toMatch(/upgrade instead/);
    expect((await refusalOf(redeem(trial, notServing, 'trial_upgrade'))).type).toBe(
      'code_not_for_trial_upgrade',
    );
    expect((await refusalOf(redeem(upgraded, serving, 'trial_upgrade'))).type).toBe(
      'account_not_trial',
    );
    expect(await redeem(trial, serving, 'trial_upgrade')).toMatchObject({ fundsAdded: '10.00' });
    expect(await redeem(upgraded, notServing, 'add_funds')).toMatchObject({ fundsAdded: '10.00' });
  });

  test('refusals write nothing, and a refused key can be used again', async () => {
    const accountId = await createAccount(t.db);
    const key = uid('op');
    const before = await ledgerRowCounts(t.db);
    const unknown = await refusalOf(
      t.ledger.redeemCode({
        accountId,
        code: 'NO-SUCH-CODE',
        at: T0,
        purpose: 'add_funds',
        operationKey: key,
      }),
    );
    expect(unknown.type).toBe('unknown_code');
    const missing = await refusalOf(
      t.ledger.redeemCode({
        accountId: 'acct-missing',
        code: 'X',
        at: T0,
        purpose: 'add_funds',
        operationKey: uid('op'),
      }),
    );
    expect(missing.type).toBe('account_not_found');
    expect(await ledgerRowCounts(t.db)).toEqual(before);
    const code = await createFundsCode(t.db);
    expect(
      await t.ledger.redeemCode({
        accountId,
        code,
        at: T0,
        purpose: 'add_funds',
        operationKey: key,
      }),
    ).toMatchObject({
      fundsAdded: '10.00',
    });
  });

  test('a code whose coupon terms are not a valid coupon is refused as code_misconfigured', async () => {
    const accountId = await createAccount(t.db);
    const code = await createCouponCode(t.db, { terms: { kind: 'threshold', faceValue: '20.00' } });
    const refused = await refusalOf(
      t.ledger.redeemCode({
        accountId,
        code,
        at: T0,
        purpose: 'order_confirmation',
        operationKey: uid('op'),
      }),
    );
    expect(refused.type).toBe('code_misconfigured');
    expect(refused.message).toMatch(/threshold: Required/);
  });

  test('maxRedemptions holds when 8 accounts race for a code allowing 3', async () => {
    const code = await createFundsCode(t.db, { maxRedemptions: 3 });
    const accounts = await Promise.all(Array.from({ length: 8 }, () => createAccount(t.db)));
    const outcomes = await Promise.allSettled(
      accounts.map((accountId) =>
        t.ledger.redeemCode({
          accountId,
          code,
          at: T0,
          purpose: 'add_funds',
          operationKey: uid('op'),
        }),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
    const refusals = outcomes.flatMap((o) =>
      o.status === 'rejected' ? [(o.reason as { type: string }).type] : [],
    );
    expect(refusals).toEqual(Array(5).fill('code_exhausted'));
    expect((await t.db.redemptionCode.findUniqueOrThrow({ where: { code } })).redemptionCount).toBe(
      3,
    );
  });

  test('the same key fired twice at once redeems once and both callers get the same result', async () => {
    const accountId = await createAccount(t.db);
    const code = await createCouponCode(t.db);
    const input = {
      accountId,
      code,
      at: T0,
      purpose: 'order_confirmation' as const,
      operationKey: uid('op'),
    };
    const [a, b] = await Promise.all([t.ledger.redeemCode(input), t.ledger.redeemCode(input)]);
    expect(a).toEqual(b);
    expect(await t.db.coupon.count({ where: { ownerAccountId: accountId } })).toBe(1);
  });
});

describe('50 active coupons per account, frozen included (seed 002 §Limits)', () => {
  test('25 redemptions racing for 10 free slots: exactly 10 succeed', async () => {
    const accountId = await createAccount(t.db);
    // 38 available + 2 frozen = 40 active; an expired and an invalid one do not count.
    const owned = [];
    for (let i = 0; i < 40; i++) owned.push(await grantCoupon(t.db, { ownerAccountId: accountId }));
    for (const [i, couponId] of owned.slice(0, 2).entries()) {
      await t.ledger.freezeCouponForOrder({
        accountId,
        couponId,
        orderId: `order-limit-${i}`,
        commodityCode: 'ecs',
        orderType: 'new_purchase',
        amount: '10.00',
        currency: 'USD',
        at: T0,
        operationKey: uid('op'),
      });
    }
    await grantCoupon(t.db, {
      ownerAccountId: accountId,
      effectiveAt: daysAfter(-60),
      expiresAt: daysAfter(-1),
    });
    const invalid = await grantCoupon(t.db, { ownerAccountId: accountId });
    await t.ledger.invalidateCoupon({
      couponId: invalid,
      reason: 'test',
      at: T0,
      operationKey: uid('op'),
    });

    const codes = await Promise.all(Array.from({ length: 25 }, () => createCouponCode(t.db)));
    const outcomes = await Promise.allSettled(
      codes.map((code) =>
        t.ledger.redeemCode({
          accountId,
          code,
          at: T0,
          purpose: 'order_confirmation',
          operationKey: uid('op'),
        }),
      ),
    );
    const refusals = outcomes.flatMap((o) =>
      o.status === 'rejected' ? [(o.reason as { type: string }).type] : [],
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    expect(refusals).toEqual(Array(15).fill('coupon_limit_reached'));
    expect(
      await t.db.coupon.count({
        where: {
          ownerAccountId: accountId,
          status: { in: ['available', 'frozen'] },
          expiresAt: { gt: new Date(T0) },
        },
      }),
    ).toBe(50);
    // checkCode agrees.
    const more = await createCouponCode(t.db);
    expect(await t.ledger.checkCode({ accountId, code: more, at: T0 })).toMatchObject({
      ok: false,
      reason: 'coupon_limit_reached',
    });
  });
});
