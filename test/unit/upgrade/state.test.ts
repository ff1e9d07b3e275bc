/** The trial upgrade's pure rules: stages, missing steps, send limits, masking (issue 6). */
import { DEFAULT_UPGRADE_POLICY, resolvePolicy } from '../../../workflows/trial-upgrade/policy';
import {
  checkSend,
  initialState,
  maskedDetails,
  maskPhone,
  missingBefore,
  missingSteps,
  stageOf,
  type UpgradeState,
} from '../../../workflows/trial-upgrade/state';

const policy = resolvePolicy(DEFAULT_UPGRADE_POLICY, {
  resendCooldown: '30s',
  maxResends: 2,
  lockout: '30m',
});
const T0 = Date.parse('2026-11-23T00:00:00Z');
const address = { country: 'JP', line1: '1-2-3 Marunouchi', city: 'Tokyo', postalCode: '100-0005' };

const sent = (over: Partial<UpgradeState> = {}): UpgradeState => ({
  ...initialState(),
  phone: '+14155550123',
  channel: 'sms',
  challenge: { id: 'vc_1', expiresAt: T0 + 600_000, attemptsLeft: 5 },
  lastSentAt: T0,
  ...over,
});

describe('stages and order', () => {
  test('the stage is the first missing step; all done is ready_to_confirm', () => {
    const s = initialState();
    expect(stageOf(s, T0)).toBe('awaiting_phone');
    expect(missingSteps(s)).toEqual([
      'phone',
      'phone_verification',
      'company_address',
      'billing_address',
      'payment_method',
    ]);
    const verified = sent({ verifiedAt: '2026-11-23T00:01:00Z' });
    expect(stageOf(sent(), T0)).toBe('awaiting_code');
    expect(stageOf(verified, T0)).toBe('awaiting_company_address');
    const ready: UpgradeState = {
      ...verified,
      companyAddress: address,
      billing: { sameAsCompany: true },
      paymentMethod: {
        type: 'paypal',
        paymentMethodId: 'pm_1',
        token: 'tok_pp_ok_0123456789abcdef',
        label: 'j***@x.com',
      },
    };
    expect(stageOf(ready, T0)).toBe('ready_to_confirm');
    expect(missingBefore(ready, 'confirm')).toEqual([]);
  });

  test('a step needs every step before it; the promo code and confirm need them all', () => {
    const s = sent();
    expect(missingBefore(s, 'phone')).toEqual([]);
    expect(missingBefore(s, 'company_address')).toEqual(['phone_verification']);
    expect(missingBefore(s, 'promo_code')).toEqual([
      'phone_verification',
      'company_address',
      'billing_address',
      'payment_method',
    ]);
  });

  test('a lock shows as verification_locked until it ends', () => {
    const locked = sent({ challenge: null, lockedUntil: T0 + 1000 });
    expect(stageOf(locked, T0)).toBe('verification_locked');
    expect(stageOf(locked, T0 + 1000)).toBe('awaiting_code');
  });
});

describe('sending codes', () => {
  test('the first code is always allowed; the next waits for the cooldown', () => {
    expect(checkSend(initialState(), policy, T0, '+14155550123')).toBeNull();
    expect(checkSend(sent(), policy, T0 + 1000)).toEqual({
      code: 'resend_cooldown',
      retryAt: T0 + 30_000,
    });
    expect(checkSend(sent(), policy, T0 + 30_000)).toBeNull();
  });

  test('the cap counts resends of one number; another number starts over; the count restarts after the lockout window', () => {
    const capped = sent({ resendsUsed: 2 });
    expect(checkSend(capped, policy, T0 + 60_000)).toEqual({
      code: 'resend_limit_reached',
      retryAt: T0 + 1_800_000,
    });
    expect(checkSend(capped, policy, T0 + 60_000, '+14155550123')?.code).toBe(
      'resend_limit_reached',
    );
    expect(checkSend(capped, policy, T0 + 60_000, '+14155550999')).toBeNull();
    expect(checkSend(capped, policy, T0 + 1_800_000)).toBeNull();
  });

  test('locked, or already verified, refuses sends', () => {
    expect(checkSend(sent({ lockedUntil: T0 + 60_000 }), policy, T0 + 40_000)?.code).toBe(
      'verification_locked',
    );
    expect(checkSend(sent({ verifiedAt: 'x' }), policy, T0 + 40_000)?.code).toBe(
      'phone_already_verified',
    );
    expect(checkSend(sent({ verifiedAt: 'x' }), policy, T0 + 40_000, '+14155550999')).toBeNull();
    expect(checkSend(initialState(), policy, T0)?.code).toBe('step_out_of_order');
  });
});

describe('masking', () => {
  test('phone shows its last four digits only; addresses show no street; cards show brand and last four', () => {
    expect(maskPhone('+14155550123')).toBe('+*******0123');
    const details = maskedDetails({
      ...sent({ verifiedAt: 'x' }),
      companyAddress: address,
      billing: { sameAsCompany: false, address: { ...address, city: 'Osaka', region: 'Osaka' } },
      paymentMethod: {
        type: 'card',
        paymentMethodId: 'pm_1',
        token: 'tok_card_visa_4242_122028_ok_0123456789abcdef',
        brand: 'visa',
        last4: '4242',
        expMonth: 12,
        expYear: 2028,
      },
    });
    expect(details).toEqual({
      phone: '+*******0123',
      phoneVerified: true,
      companyAddress: 'Tokyo, 100-0005, JP',
      billingAddress: 'Osaka, Osaka, 100-0005, JP',
      billingSameAsCompany: false,
      paymentMethod: 'visa •••• 4242 (exp 12/2028)',
      promoCode: null,
    });
    expect(JSON.stringify(details)).not.toContain('Marunouchi');
    expect(JSON.stringify(details)).not.toContain('tok_');
  });
});
