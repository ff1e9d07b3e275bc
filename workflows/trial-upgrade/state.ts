/**
 * The upgrade's state and the pure rules over it: which steps are missing, what
 * stage that makes, whether a code may be sent now, and the masked views. No I/O
 * and no clock (times are passed in), so the unit tests run it directly.
 */
import type { AddressInput } from '../../domain/upgrade-contracts';
import {
  UPGRADE_STEPS,
  type MaskedUpgradeDetails,
  type PendingPromoCode,
  type TrialUpgradeStage,
  type UpgradeStep,
  type VerificationStatus,
} from './messages';
import type { UpgradePolicy } from './policy';

export interface Challenge {
  id: string;
  expiresAt: number;
  attemptsLeft: number;
}

export type StoredPaymentMethod =
  | {
      type: 'card';
      paymentMethodId: string;
      token: string;
      brand: string;
      last4: string;
      expMonth: number;
      expYear: number;
    }
  | { type: 'paypal'; paymentMethodId: string; token: string; label: string };

export interface UpgradeState {
  phone: string | null;
  channel: 'sms' | 'voice' | null;
  challenge: Challenge | null;
  /** Resends of the current number since its resend count last restarted. */
  resendsUsed: number;
  lastSentAt: number | null;
  lockedUntil: number | null;
  verifiedAt: string | null;
  companyAddress: AddressInput | null;
  billing: { sameAsCompany: true } | { sameAsCompany: false; address: AddressInput } | null;
  paymentMethod: StoredPaymentMethod | null;
  promo: (PendingPromoCode & { servesTrialUpgrade: boolean }) | null;
}

export const initialState = (): UpgradeState => ({
  phone: null,
  channel: null,
  challenge: null,
  resendsUsed: 0,
  lastSentAt: null,
  lockedUntil: null,
  verifiedAt: null,
  companyAddress: null,
  billing: null,
  paymentMethod: null,
  promo: null,
});

export function isDone(state: UpgradeState, step: UpgradeStep): boolean {
  switch (step) {
    case 'phone':
      return state.phone !== null;
    case 'phone_verification':
      return state.verifiedAt !== null;
    case 'company_address':
      return state.companyAddress !== null;
    case 'billing_address':
      return state.billing !== null;
    case 'payment_method':
      return state.paymentMethod !== null;
  }
}

export function missingSteps(state: UpgradeState): UpgradeStep[] {
  return UPGRADE_STEPS.filter((step) => !isDone(state, step));
}

/** The steps that must be done before `step` (the promo code and confirm need them all). */
export function missingBefore(
  state: UpgradeState,
  step: UpgradeStep | 'promo_code' | 'confirm',
): UpgradeStep[] {
  const at =
    step === 'promo_code' || step === 'confirm'
      ? UPGRADE_STEPS.length
      : UPGRADE_STEPS.indexOf(step);
  return UPGRADE_STEPS.slice(0, at).filter((s) => !isDone(state, s));
}

export const STEP_LABELS: Record<UpgradeStep, string> = {
  phone: 'phone number',
  phone_verification: 'phone verification code',
  company_address: 'company address',
  billing_address: 'billing address',
  payment_method: 'payment method',
};

export function isLocked(state: UpgradeState, now: number): boolean {
  return state.lockedUntil !== null && now < state.lockedUntil;
}

export function stageOf(state: UpgradeState, now: number): TrialUpgradeStage {
  if (isLocked(state, now) && state.verifiedAt === null) return 'verification_locked';
  const next = missingSteps(state)[0];
  switch (next) {
    case undefined:
      return 'ready_to_confirm';
    case 'phone':
      return 'awaiting_phone';
    case 'phone_verification':
      return 'awaiting_code';
    case 'company_address':
      return 'awaiting_company_address';
    case 'billing_address':
      return 'awaiting_billing_address';
    case 'payment_method':
      return 'awaiting_payment_method';
  }
}

/** What the workflow waits for, in plain words (Temporal's "current details"). */
export function describeStage(stage: TrialUpgradeStage, state: UpgradeState): string {
  switch (stage) {
    case 'recording_account':
      return 'Recording the trial account.';
    case 'awaiting_phone':
      return 'Waiting for the customer to enter a mobile phone number to verify (SMS or voice call).';
    case 'awaiting_code':
      return state.challenge
        ? `Waiting for the verification code sent by ${state.channel === 'voice' ? 'voice call' : 'SMS'} to ${maskPhone(state.phone ?? '')}.`
        : `Waiting for the customer to ask for a new verification code for ${maskPhone(state.phone ?? '')}.`;
    case 'verification_locked':
      return `Verification locked after too many wrong codes, until ${new Date(state.lockedUntil ?? 0).toISOString()}.`;
    case 'awaiting_company_address':
      return 'Phone verified. Waiting for the company address.';
    case 'awaiting_billing_address':
      return 'Waiting for the billing address (or "same as company address").';
    case 'awaiting_payment_method':
      return 'Waiting for a payment method (card or PayPal); nothing will be charged at upgrade.';
    case 'ready_to_confirm':
      return state.promo
        ? `Ready: waiting for "Upgrade Account" (promo code ${state.promo.code} applies ${state.promo.appliesAt === 'upgrade' ? 'at upgrade' : 'right after the upgrade'}).`
        : 'Ready: waiting for an optional promo code and "Upgrade Account".';
    case 'upgrading':
      return 'Upgrading the account: recording it, turning automatic recharge off, applying the promo code.';
    case 'upgraded':
      return 'Upgraded. Automatic recharge is off; nothing was charged.';
    case 'abandoned':
      return 'Abandoned: no step within the idle timeout; the account stays a trial.';
    case 'cancelled':
      return 'Cancelled by the signup service; the account stays a trial.';
  }
}

export type SendRefusal =
  | { code: 'verification_locked'; retryAt: number }
  | { code: 'phone_already_verified' }
  | { code: 'step_out_of_order' }
  | { code: 'resend_cooldown'; retryAt: number }
  | { code: 'resend_limit_reached'; retryAt: number };

/** Resends counted against the cap: the count restarts once `lockout` has passed since the last code. */
export function effectiveResendsUsed(
  state: UpgradeState,
  policy: UpgradePolicy,
  now: number,
): number {
  if (state.lastSentAt === null || now - state.lastSentAt >= policy.lockoutMs) return 0;
  return state.resendsUsed;
}

/**
 * Whether a code may be sent now. `phone` is the number of a submitPhone (a new
 * number starts its own resend count; the same number again counts as a resend),
 * undefined for resendCode.
 */
export function checkSend(
  state: UpgradeState,
  policy: UpgradePolicy,
  now: number,
  phone?: string,
): SendRefusal | null {
  if (isLocked(state, now))
    return { code: 'verification_locked', retryAt: state.lockedUntil ?? now };
  const sameNumber = phone === undefined || phone === state.phone;
  if (phone === undefined && state.phone === null) return { code: 'step_out_of_order' };
  if (sameNumber && state.verifiedAt !== null) return { code: 'phone_already_verified' };
  if (state.lastSentAt !== null && now < state.lastSentAt + policy.resendCooldownMs) {
    return { code: 'resend_cooldown', retryAt: state.lastSentAt + policy.resendCooldownMs };
  }
  if (
    sameNumber &&
    state.lastSentAt !== null &&
    effectiveResendsUsed(state, policy, now) >= policy.maxResends
  ) {
    return { code: 'resend_limit_reached', retryAt: state.lastSentAt + policy.lockoutMs };
  }
  return null;
}

export function resendsLeft(state: UpgradeState, policy: UpgradePolicy, now: number): number {
  return Math.max(0, policy.maxResends - effectiveResendsUsed(state, policy, now));
}

export function nextSendAt(state: UpgradeState, policy: UpgradePolicy, now: number): number {
  const refusal = checkSend(state, policy, now);
  if (refusal && 'retryAt' in refusal) return refusal.retryAt;
  return state.lastSentAt === null
    ? now
    : Math.max(now, state.lastSentAt + policy.resendCooldownMs);
}

// ---- masking ------------------------------------------------------------------------

/** "+14155550123" → "+*******0123": the country code is not shown either. */
export function maskPhone(phone: string): string {
  if (phone.length <= 4) return phone;
  return `+${'*'.repeat(Math.max(0, phone.length - 5))}${phone.slice(-4)}`;
}

/** City, region, postal code and country: no street lines. */
export function summarizeAddress(address: AddressInput): string {
  return [address.city, address.region, address.postalCode, address.country]
    .filter((part): part is string => Boolean(part))
    .join(', ');
}

export function describePaymentMethod(method: StoredPaymentMethod): string {
  if (method.type === 'paypal') return `PayPal ${method.label}`;
  return `${method.brand} •••• ${method.last4} (exp ${String(method.expMonth).padStart(2, '0')}/${method.expYear})`;
}

export function billingAddressOf(state: UpgradeState): AddressInput | null {
  if (!state.billing) return null;
  return state.billing.sameAsCompany ? state.companyAddress : state.billing.address;
}

export function maskedDetails(state: UpgradeState): MaskedUpgradeDetails {
  const billing = billingAddressOf(state);
  return {
    phone: state.phone ? maskPhone(state.phone) : null,
    phoneVerified: state.verifiedAt !== null,
    companyAddress: state.companyAddress ? summarizeAddress(state.companyAddress) : null,
    billingAddress: billing ? summarizeAddress(billing) : null,
    billingSameAsCompany: state.billing?.sameAsCompany ?? false,
    paymentMethod: state.paymentMethod ? describePaymentMethod(state.paymentMethod) : null,
    promoCode: state.promo
      ? {
          code: state.promo.code,
          appliesAt: state.promo.appliesAt,
          grant: state.promo.grant,
          value: state.promo.value,
          currency: state.promo.currency,
        }
      : null,
  };
}

export function verificationStatus(
  state: UpgradeState,
  policy: UpgradePolicy,
  now: number,
): VerificationStatus {
  return {
    phone: state.phone ? maskPhone(state.phone) : null,
    channel: state.channel,
    verified: state.verifiedAt !== null,
    codeSent: state.challenge !== null,
    codeExpiresAt: state.challenge ? new Date(state.challenge.expiresAt).toISOString() : null,
    attemptsLeft: state.challenge ? state.challenge.attemptsLeft : null,
    resendsLeft: resendsLeft(state, policy, now),
    nextSendAt:
      state.phone && state.verifiedAt === null
        ? new Date(nextSendAt(state, policy, now)).toISOString()
        : null,
    lockedUntil: isLocked(state, now) ? new Date(state.lockedUntil ?? now).toISOString() : null,
  };
}
