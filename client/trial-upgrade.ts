/**
 * Typed client of the trial upgrade, for a signup service: start (or find) the
 * upgrade, one function per step, confirm, queries, cancel; and Add Funds > Promo
 * Code for upgraded accounts. Business refusals are thrown as `TrialUpgradeRefusal`
 * (a `code` such as `step_out_of_order`, `resend_cooldown`, `code_expired`, and
 * the fields or missing steps it names).
 *
 * Two things happen here rather than in the workflow, so that secrets never enter
 * workflow history: a card is tokenized with the payment gateway (as a payment
 * page would), and a typed verification code is sealed for the worker.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { parseInput, AccountIdSchema, type FieldError } from '../domain/contracts';
import {
  PromoCodeSchema,
  VerificationCodeSchema,
  type AddressInput,
} from '../domain/upgrade-contracts';
import {
  type PaymentGateway,
  type RawPaymentMethod,
  type TokenizedPaymentMethod,
} from '../activities/payment';
import { tokenizePaymentMethod } from './payment-method';
import { sealCode } from '../activities/verification/codes';
import { upgradeSettingsFromEnv } from '../worker/config';
import { trialUpgradeWorkflowId } from '../workflows/ids';
import { AccountIdKey, BillingStageKey } from '../workflows/search-attributes';
import type { promoCodeRedemption } from '../workflows/trial-upgrade/promo-code';
import type { trialUpgrade } from '../workflows/trial-upgrade/workflow';
import type { UpgradePolicyOverrides } from '../workflows/trial-upgrade/policy';
import {
  awaitStartedUpdate,
  cancelUpgradeSignal,
  confirmUpgradeUpdate,
  detailsQuery,
  missingStepsQuery,
  progressQuery,
  removePromoCodeUpdate,
  resendCodeUpdate,
  stageQuery,
  submitBillingAddressUpdate,
  submitCompanyAddressUpdate,
  submitPaymentMethodUpdate,
  submitPhoneUpdate,
  submitPromoCodeUpdate,
  verificationStatusQuery,
  verifyCodeUpdate,
  type CodeSentResult,
  type MaskedUpgradeDetails,
  type PromoCodeRedemptionResult,
  type PromoCodeResult,
  type StepResult,
  type TrialUpgradeStage,
  type UpgradeProgress,
  type UpgradeStep,
  type UpgradeSummary,
  type VerificationStatus,
  type VerifyCodeResult,
} from '../workflows/trial-upgrade/messages';

export type {
  CodeSentResult,
  MaskedUpgradeDetails,
  PromoCodeRedemptionResult,
  PromoCodeResult,
  StepResult,
  TrialUpgradeStage,
  UpgradeProgress,
  UpgradeStep,
  UpgradeSummary,
  VerificationStatus,
  VerifyCodeResult,
};

export interface CreateTrialAccountInput {
  accountId?: string;
  displayName: string;
  email: string;
  currency?: string;
  idleTimeout?: string;
  /** Overrides of the worker's upgrade policy for this account (tests, operations). */
  policy?: UpgradePolicyOverrides;
}

export interface EngineClientContext {
  client: Client;
  taskQueue: string;
}

/** What the step functions need besides Temporal; both default to the environment's choice. */
export interface UpgradeClientContext extends EngineClientContext {
  /** The gateway cards are tokenized with (PAYMENT_PROVIDER; the dev gateway by default). */
  paymentGateway?: PaymentGateway;
  /** Seals typed codes for the worker (VERIFICATION_SEAL_KEY; same value as the worker's). */
  verificationSealKey?: string;
}

/** Per call: an update id makes a retried call (e.g. after a timeout) do its work once. */
export interface StepOptions {
  updateId?: string;
}

/** A business refusal of the upgrade (or of a promo code), with what it names. */
export class TrialUpgradeRefusal extends Error {
  override readonly name = 'TrialUpgradeRefusal';
  constructor(
    /** e.g. invalid_input, step_out_of_order, resend_cooldown, code_expired, account_is_trial. */
    readonly code: string,
    message: string,
    readonly details: {
      fields?: FieldError[];
      field?: string;
      missing?: UpgradeStep[];
      retryAt?: string;
    } = {},
  ) {
    super(message);
  }
}

/** The refusal inside a Temporal error (update failure, workflow failure, activity failure). */
export function toRefusal(err: unknown): TrialUpgradeRefusal | null {
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 5; depth++) {
    if (cur instanceof TrialUpgradeRefusal) return cur;
    if (cur instanceof ApplicationFailure && cur.type) {
      const details = (cur.details?.[0] ?? {}) as TrialUpgradeRefusal['details'];
      return new TrialUpgradeRefusal(cur.type, cur.message, details);
    }
    if (
      cur instanceof WorkflowUpdateFailedError ||
      cur instanceof WorkflowFailedError ||
      cur instanceof ActivityFailure
    ) {
      cur = cur.cause;
      continue;
    }
    return null;
  }
  return null;
}

const invalid = (fields: FieldError[]): TrialUpgradeRefusal =>
  new TrialUpgradeRefusal(
    'invalid_input',
    fields.map((f) => `${f.path || '(input)'}: ${f.message}`).join('; '),
    { fields },
  );

function checkAccountId(accountId: string): void {
  const parsed = parseInput(AccountIdSchema, accountId);
  if (!parsed.ok) throw invalid(parsed.errors.map((e) => ({ ...e, path: 'accountId' })));
}

function upgradeHandle(
  ctx: EngineClientContext,
  accountId: string,
): WorkflowHandle<typeof trialUpgrade> {
  checkAccountId(accountId);
  return ctx.client.workflow.getHandle<typeof trialUpgrade>(trialUpgradeWorkflowId(accountId));
}

async function refusing<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw toRefusal(err) ?? err;
  }
}

// ---- start --------------------------------------------------------------------------------

/**
 * Creates a trial account and starts (or finds) its upgrade workflow; returns once
 * the account is recorded. Starting twice for one account never makes two
 * workflows. An account that is already upgraded is refused (`account_already_upgraded`).
 */
export async function createTrialAccount(
  ctx: EngineClientContext,
  input: CreateTrialAccountInput,
): Promise<{
  accountId: string;
  workflowId: string;
  handle: WorkflowHandleWithFirstExecutionRunId<typeof trialUpgrade>;
  stage: TrialUpgradeStage;
}> {
  const accountId = input.accountId ?? randomUUID();
  checkAccountId(accountId);
  const workflowId = trialUpgradeWorkflowId(accountId);
  const handle = await ctx.client.workflow.start<typeof trialUpgrade>('trialUpgrade', {
    taskQueue: ctx.taskQueue,
    workflowId,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    args: [
      {
        accountId,
        displayName: input.displayName,
        email: input.email,
        currency: input.currency ?? 'USD',
        ...(input.idleTimeout ? { idleTimeout: input.idleTimeout } : {}),
        ...(input.policy ? { policy: input.policy } : {}),
      },
    ],
    typedSearchAttributes: [
      { key: AccountIdKey, value: accountId },
      { key: BillingStageKey, value: 'recording_account' },
    ],
    staticSummary: `Trial upgrade of account ${accountId}`,
  });
  let stage: TrialUpgradeStage;
  try {
    stage = (await handle.executeUpdate(awaitStartedUpdate)).stage;
  } catch (err) {
    const refused = toRefusal(err);
    if (refused) throw refused;
    // The run may have ended (refused) before the update reached it: its failure says why.
    const ended = await handle.result().then(
      () => null,
      (failure: unknown) => toRefusal(failure),
    );
    throw ended ?? err;
  }
  return { accountId, workflowId, handle, stage };
}

// ---- steps --------------------------------------------------------------------------------

/** seed 000 step 2: the mobile number and how to receive the code (SMS by default). */
export function submitPhone(
  ctx: EngineClientContext,
  input: { accountId: string; phone: string; channel?: 'sms' | 'voice' },
  options: StepOptions = {},
): Promise<CodeSentResult> {
  const { accountId, ...step } = input;
  return refusing(() =>
    upgradeHandle(ctx, accountId).executeUpdate(submitPhoneUpdate, { args: [step], ...options }),
  );
}

/** Another code (the previous one stops working), optionally by the other channel. */
export function resendCode(
  ctx: EngineClientContext,
  input: { accountId: string; channel?: 'sms' | 'voice' },
  options: StepOptions = {},
): Promise<CodeSentResult> {
  const { accountId, ...step } = input;
  return refusing(() =>
    upgradeHandle(ctx, accountId).executeUpdate(resendCodeUpdate, { args: [step], ...options }),
  );
}

/**
 * seed 000 step 3: the code the customer typed. It is checked for shape here,
 * then sealed: the workflow and its history only ever see the sealed form.
 */
export function verifyCode(
  ctx: UpgradeClientContext,
  input: { accountId: string; code: string },
  options: StepOptions = {},
): Promise<VerifyCodeResult> {
  return refusing(async () => {
    const parsed = parseInput(VerificationCodeSchema, input.code);
    if (!parsed.ok) throw invalid(parsed.errors.map((e) => ({ ...e, path: 'code' })));
    const key = ctx.verificationSealKey ?? upgradeSettingsFromEnv().verificationSealKey;
    return upgradeHandle(ctx, input.accountId).executeUpdate(verifyCodeUpdate, {
      args: [{ sealedCode: sealCode(key, parsed.value) }],
      ...options,
    });
  });
}

/** seed 000 step 4. */
export function submitCompanyAddress(
  ctx: EngineClientContext,
  input: { accountId: string; address: AddressInput },
  options: StepOptions = {},
): Promise<StepResult> {
  return refusing(() =>
    upgradeHandle(ctx, input.accountId).executeUpdate(submitCompanyAddressUpdate, {
      args: [input.address],
      ...options,
    }),
  );
}

/** seed 000 step 5: an address, or `sameAsCompany: true`. */
export function submitBillingAddress(
  ctx: EngineClientContext,
  input: { accountId: string } & ({ sameAsCompany: true } | { address: AddressInput }),
  options: StepOptions = {},
): Promise<StepResult> {
  const { accountId, ...step } = input;
  return refusing(() =>
    upgradeHandle(ctx, accountId).executeUpdate(submitBillingAddressUpdate, {
      args: [step],
      ...options,
    }),
  );
}

/**
 * seed 000 step 6: the card or PayPal account. Tokenized here with the gateway
 * (raw card data goes nowhere else); the workflow receives the token, brand,
 * last four and expiry. Nothing is charged.
 */
export function submitPaymentMethod(
  ctx: UpgradeClientContext,
  input: { accountId: string; method: RawPaymentMethod },
  options: StepOptions = {},
): Promise<StepResult & { paymentMethod: Omit<TokenizedPaymentMethod, 'token'> }> {
  return refusing(async () => {
    const handle = upgradeHandle(ctx, input.accountId);
    const tokenized = await tokenizePaymentMethod({
      gateway: ctx.paymentGateway,
      method: input.method,
      workflowId: handle.workflowId,
      updateId: options.updateId,
      field: 'method',
      invalid,
    });
    const result = await handle.executeUpdate(submitPaymentMethodUpdate, {
      args: [tokenized],
      ...options,
    });
    const { token: _token, ...shown } = tokenized;
    void _token;
    return { ...result, paymentMethod: shown };
  });
}

/** seed 000 step 7 (optional): checked now, applied at (or right after) the upgrade. */
export function submitPromoCode(
  ctx: EngineClientContext,
  input: { accountId: string; code: string },
  options: StepOptions = {},
): Promise<PromoCodeResult> {
  return refusing(() =>
    upgradeHandle(ctx, input.accountId).executeUpdate(submitPromoCodeUpdate, {
      args: [{ code: input.code }],
      ...options,
    }),
  );
}

export function removePromoCode(
  ctx: EngineClientContext,
  input: { accountId: string },
  options: StepOptions = {},
): Promise<StepResult> {
  return refusing(() =>
    upgradeHandle(ctx, input.accountId).executeUpdate(removePromoCodeUpdate, options),
  );
}

/**
 * "Upgrade Account": refused with what is missing until every step is done;
 * then upgrades, keeps automatic recharge off, applies the promo code, and
 * returns the summary. The workflow completes with the same summary.
 */
export function confirmUpgrade(
  ctx: EngineClientContext,
  input: { accountId: string },
  options: StepOptions = {},
): Promise<UpgradeSummary> {
  return refusing(() =>
    upgradeHandle(ctx, input.accountId).executeUpdate(confirmUpgradeUpdate, options),
  );
}

export async function cancelTrialUpgrade(
  ctx: EngineClientContext,
  input: { accountId: string; reason: string },
): Promise<void> {
  await upgradeHandle(ctx, input.accountId).signal(cancelUpgradeSignal, { reason: input.reason });
}

// ---- queries ------------------------------------------------------------------------------

export async function getTrialUpgradeStage(
  ctx: EngineClientContext,
  accountId: string,
): Promise<TrialUpgradeStage> {
  return upgradeHandle(ctx, accountId).query(stageQuery);
}

export function getMissingSteps(
  ctx: EngineClientContext,
  accountId: string,
): Promise<UpgradeStep[]> {
  return upgradeHandle(ctx, accountId).query(missingStepsQuery);
}

/** Attempts left on the current code, resends left, next possible send, lock. */
export function getVerificationStatus(
  ctx: EngineClientContext,
  accountId: string,
): Promise<VerificationStatus> {
  return upgradeHandle(ctx, accountId).query(verificationStatusQuery);
}

/** Phone's last digits, address summaries, card brand and last four, pending promo code. */
export function getUpgradeDetails(
  ctx: EngineClientContext,
  accountId: string,
): Promise<MaskedUpgradeDetails> {
  return upgradeHandle(ctx, accountId).query(detailsQuery);
}

export function getUpgradeProgress(
  ctx: EngineClientContext,
  accountId: string,
): Promise<UpgradeProgress> {
  return upgradeHandle(ctx, accountId).query(progressQuery);
}

// ---- Add Funds > Promo Code (upgraded accounts) -------------------------------------------

/**
 * The redemption workflow's id, `promo-code/<accountId>/<digest>`: the code itself
 * never appears in it. Workflow ids are shown in the Web UI, in visibility queries and
 * in logs, and the redemption's operation key is derived from the id. The digest is
 * keyed with a sub-key of VERIFICATION_SEAL_KEY, which every client of the engine
 * already shares: the same code gets the same id from every client, and a guessed
 * code cannot be checked against an id without the key.
 */
export function promoCodeWorkflowId(
  ctx: UpgradeClientContext,
  accountId: string,
  code: string,
): string {
  const sealKey = ctx.verificationSealKey ?? upgradeSettingsFromEnv().verificationSealKey;
  const idKey = createHash('sha256').update(`promo-code-workflow-id:${sealKey}`).digest();
  const digest = createHmac('sha256', idKey).update(code).digest('hex').slice(0, 32);
  return `promo-code/${accountId}/${digest}`;
}

/**
 * Redeems a promo code on an upgraded account for its credit, through the
 * workflow `promo-code/<accountId>/<digest of the code>` (promoCodeWorkflowId): the
 * same request twice redeems once and returns the same result. A trial account is
 * refused (`account_is_trial`); unknown, expired or used codes are refused with
 * their reason.
 */
export async function addFundsWithPromoCode(
  ctx: UpgradeClientContext,
  input: { accountId: string; code: string },
): Promise<PromoCodeRedemptionResult> {
  checkAccountId(input.accountId);
  const code = parseInput(PromoCodeSchema, input.code);
  if (!code.ok) throw invalid(code.errors.map((e) => ({ ...e, path: 'code' })));
  const workflowId = promoCodeWorkflowId(ctx, input.accountId, code.value);
  let handle: WorkflowHandle<typeof promoCodeRedemption>;
  try {
    handle = await ctx.client.workflow.start<typeof promoCodeRedemption>('promoCodeRedemption', {
      taskQueue: ctx.taskQueue,
      workflowId,
      args: [{ accountId: input.accountId, code: code.value }],
      // A refused attempt may be tried again (e.g. once the account is upgraded);
      // a redeemed one is found and its result returned.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      typedSearchAttributes: [{ key: AccountIdKey, value: input.accountId }],
      staticSummary: `Add Funds > Promo Code for account ${input.accountId}`,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    handle = ctx.client.workflow.getHandle<typeof promoCodeRedemption>(workflowId);
  }
  return refusing(() => handle.result());
}
