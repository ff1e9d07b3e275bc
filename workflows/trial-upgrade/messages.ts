/**
 * The trial upgrade's messages: one Workflow Update per step (each validated
 * before it enters history, each returning the new stage), queries, and the
 * cancel signal. Types here are what the client library returns.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { AddressInput } from '../../domain/upgrade-contracts';
import type {
  BillingAddressInput,
  ResendCodeInput,
  SubmitPhoneInput,
  SubmitPromoCodeInput,
  TokenizedPaymentMethodInput,
  VerifyCodeInput,
} from './contracts';
import type { UpgradePolicyOverrides } from './policy';

export type TrialUpgradeStage =
  | 'recording_account'
  | 'awaiting_phone'
  | 'awaiting_code'
  | 'verification_locked'
  | 'awaiting_company_address'
  | 'awaiting_billing_address'
  | 'awaiting_payment_method'
  | 'ready_to_confirm'
  | 'upgrading'
  | 'upgraded'
  | 'abandoned'
  | 'cancelled';

/** The required steps, in the order of seed 000. The promo code is optional. */
export const UPGRADE_STEPS = [
  'phone',
  'phone_verification',
  'company_address',
  'billing_address',
  'payment_method',
] as const;
export type UpgradeStep = (typeof UPGRADE_STEPS)[number];

export interface TrialUpgradeInput {
  accountId: string;
  displayName: string;
  email: string;
  currency: string;
  /** How long the workflow waits for the customer's next step before it ends as abandoned. */
  idleTimeout?: Duration;
  /** Overrides of the worker's policy (code TTL, attempts, lockout, resend cooldown and cap, idle timeout). */
  policy?: UpgradePolicyOverrides;
}

export interface TrialUpgradeResult {
  accountId: string;
  outcome: 'upgraded' | 'abandoned' | 'cancelled';
  summary?: UpgradeSummary;
}

export interface StepResult {
  stage: TrialUpgradeStage;
  /** Required steps still to do, in order. */
  missing: UpgradeStep[];
}

export interface CodeSentResult extends StepResult {
  channel: 'sms' | 'voice';
  /** Masked, e.g. "+*******0123". */
  phone: string;
  expiresAt: string;
  resendsLeft: number;
  /** The earliest time another code can be sent. */
  nextSendAt: string;
}

export interface VerifyCodeResult extends StepResult {
  verified: boolean;
  /** Why not verified: a wrong code, an expired code (ask for a new one), or no tries left. */
  reason?: 'wrong_code' | 'code_expired' | 'no_attempts_left';
  attemptsLeft: number;
  /** Set when this failure used the last try: verification is locked until then. */
  lockedUntil?: string;
}

export interface PendingPromoCode {
  code: string;
  /** `upgrade`: applied when the account upgrades. `after_upgrade`: added as funds right after. */
  appliesAt: 'upgrade' | 'after_upgrade';
  grant: 'funds' | 'coupon';
  value: string;
  currency: string;
}

export interface PromoCodeResult extends StepResult {
  promoCode: PendingPromoCode;
}

export interface VerificationStatus {
  phone: string | null;
  channel: 'sms' | 'voice' | null;
  verified: boolean;
  codeSent: boolean;
  codeExpiresAt: string | null;
  attemptsLeft: number | null;
  resendsLeft: number;
  nextSendAt: string | null;
  lockedUntil: string | null;
}

/** What a support screen may show: nothing here is a secret. */
export interface MaskedUpgradeDetails {
  phone: string | null;
  phoneVerified: boolean;
  companyAddress: string | null;
  billingAddress: string | null;
  billingSameAsCompany: boolean;
  paymentMethod: string | null;
  promoCode: PendingPromoCode | null;
}

export interface UpgradeProgress {
  stage: TrialUpgradeStage;
  missing: UpgradeStep[];
  verification: VerificationStatus;
  details: MaskedUpgradeDetails;
}

export interface AppliedPromoCode {
  code: string;
  appliedAs: 'trial_upgrade' | 'add_funds';
  grant: 'funds' | 'coupon';
  fundsAdded: string | null;
  couponId: string | null;
}

export interface UpgradeSummary {
  accountId: string;
  status: 'upgraded';
  upgradedAt: string;
  /** Read back from the account after the upgrade: always false. */
  automaticRechargeEnabled: false;
  /** Nothing is charged at upgrade (seed 000 step 6). */
  charged: false;
  phone: string;
  companyAddress: string;
  billingAddress: string;
  billingSameAsCompany: boolean;
  paymentMethod: string;
  promoCode: AppliedPromoCode | null;
  /** Set when a code checked before the upgrade could not be applied after it. */
  promoCodeNotApplied?: { code: string; reason: string; message: string };
  fundsBalance: string;
}

// ---- updates ---------------------------------------------------------------------

/** Waits until the account is recorded; refuses an account that is already upgraded. */
export const awaitStartedUpdate = defineUpdate<StepResult>('awaitStarted');
export const submitPhoneUpdate = defineUpdate<CodeSentResult, [SubmitPhoneInput]>('submitPhone');
export const resendCodeUpdate = defineUpdate<CodeSentResult, [ResendCodeInput]>('resendCode');
export const verifyCodeUpdate = defineUpdate<VerifyCodeResult, [VerifyCodeInput]>('verifyCode');
export const submitCompanyAddressUpdate = defineUpdate<StepResult, [AddressInput]>(
  'submitCompanyAddress',
);
export const submitBillingAddressUpdate = defineUpdate<StepResult, [BillingAddressInput]>(
  'submitBillingAddress',
);
export const submitPaymentMethodUpdate = defineUpdate<StepResult, [TokenizedPaymentMethodInput]>(
  'submitPaymentMethod',
);
export const submitPromoCodeUpdate = defineUpdate<PromoCodeResult, [SubmitPromoCodeInput]>(
  'submitPromoCode',
);
export const removePromoCodeUpdate = defineUpdate<StepResult>('removePromoCode');
export const confirmUpgradeUpdate = defineUpdate<UpgradeSummary>('confirmUpgrade');

// ---- queries and signals ---------------------------------------------------------

export const stageQuery = defineQuery<TrialUpgradeStage>('stage');
export const missingStepsQuery = defineQuery<UpgradeStep[]>('missingSteps');
export const verificationStatusQuery = defineQuery<VerificationStatus>('verificationStatus');
export const detailsQuery = defineQuery<MaskedUpgradeDetails>('details');
export const progressQuery = defineQuery<UpgradeProgress>('progress');
export const cancelUpgradeSignal = defineSignal<[{ reason: string }]>('cancelUpgrade');

// ---- Add Funds > Promo Code on an upgraded account ----------------------------------

export interface PromoCodeRedemptionInput {
  accountId: string;
  code: string;
}

export interface PromoCodeRedemptionResult {
  accountId: string;
  code: string;
  grant: 'funds' | 'coupon';
  fundsAdded: string | null;
  couponId: string | null;
  fundsBalance: string;
}

/** Refusal types the upgrade's updates use (ApplicationFailure.type). */
export type UpgradeRefusalCode =
  | 'invalid_input'
  | 'step_out_of_order'
  | 'not_ready'
  | 'upgrade_closed'
  | 'upgrade_in_progress'
  | 'account_already_upgraded'
  | 'phone_already_verified'
  | 'no_code_sent'
  | 'verification_locked'
  | 'resend_cooldown'
  | 'resend_limit_reached'
  | 'phone_undeliverable'
  | 'promo_code_refused';
