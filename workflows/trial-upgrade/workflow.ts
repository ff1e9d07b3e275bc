import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { AccountActivities } from '../../activities/accounts';
import type { PaymentActivities } from '../../activities/payment/activities';
import type { VerificationActivities } from '../../activities/verification/activities';
import { AddressSchema } from '../../domain/upgrade-contracts';
import { AccountIdKey, BillingStageKey } from '../search-attributes';
import {
  BillingAddressSchema,
  ResendCodeSchema,
  SubmitPhoneSchema,
  SubmitPromoCodeSchema,
  TokenizedPaymentMethodSchema,
  VerifyCodeSchema,
} from './contracts';
import type { LedgerCodeActivities } from './ledger';
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
  type AppliedPromoCode,
  type CodeSentResult,
  type StepResult,
  type TrialUpgradeInput,
  type TrialUpgradeResult,
  type TrialUpgradeStage,
  type UpgradeStep,
  type UpgradeSummary,
  type VerifyCodeResult,
} from './messages';
import { DEFAULT_UPGRADE_POLICY, resolvePolicy, type UpgradePolicy } from './policy';
import { parseOrRefuse, refusal, refusalOf } from './refusals';
import {
  billingAddressOf,
  checkSend,
  describePaymentMethod,
  describeStage,
  effectiveResendsUsed,
  initialState,
  maskedDetails,
  maskPhone,
  missingBefore,
  missingSteps,
  nextSendAt,
  resendsLeft,
  stageOf,
  STEP_LABELS,
  summarizeAddress,
  verificationStatus,
  type SendRefusal,
} from './state';

const retry = { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 };

/**
 * The upgrade's steps, as activities or (patch LOCAL_STEPS) as local activities: a
 * local activity runs inside the workflow task of the Update that needs it, so the
 * step answers without an activity task's round trip through the server. Same
 * timeouts, retries and operation keys either way; a worker that dies during one fails
 * its workflow task, and the next worker runs every local step of that task again, so
 * each one must give the same answer when run again (an operation key, or a write
 * that finds itself done).
 */
const upgradeSteps = (local: boolean) => {
  const proxy = local ? proxyLocalActivities : proxyActivities;
  // Named one by one: the proxies have no keys of their own to spread.
  const { recordTrialAccount, getTrialUpgradePolicy, completeTrialUpgrade } =
    proxy<AccountActivities>({ startToCloseTimeout: '10 seconds', retry });
  // A step the customer waits on gives up after a bounded time rather than hang the page.
  const { issueVerificationCode } = proxy<VerificationActivities>({
    startToCloseTimeout: '15 seconds',
    scheduleToCloseTimeout: '2 minutes',
    retry: { ...retry, maximumInterval: '10 seconds' },
  });
  const { checkVerificationCode } = proxy<VerificationActivities>({
    startToCloseTimeout: '10 seconds',
    scheduleToCloseTimeout: '1 minute',
    retry: { ...retry, maximumInterval: '10 seconds' },
  });
  const { recordPaymentMethod } = proxy<PaymentActivities>({
    startToCloseTimeout: '10 seconds',
    scheduleToCloseTimeout: '1 minute',
    retry: { ...retry, maximumInterval: '10 seconds' },
  });
  const { redeemCode } = proxy<LedgerCodeActivities>({ startToCloseTimeout: '10 seconds', retry });
  return {
    recordTrialAccount,
    getTrialUpgradePolicy,
    completeTrialUpgrade,
    issueVerificationCode,
    checkVerificationCode,
    recordPaymentMethod,
    redeemCode,
  };
};
/**
 * Always an activity task: a local activity runs again with every other local activity
 * of its workflow task when a worker dies before that task completes, and the code
 * check at confirm must not run again after the redemption it allowed (it would then
 * answer "already redeemed"). Recorded in history, its answer holds on replay.
 */
const { checkCode } = proxyActivities<LedgerCodeActivities>({
  startToCloseTimeout: '10 seconds',
  retry,
});
const activitySteps = upgradeSteps(false);
const localSteps = upgradeSteps(true);
/** Patch id: upgrades started from this version run their steps as local activities. */
const LOCAL_STEPS = 'trial-upgrade-local-steps';
/**
 * Patch id: upgrades started from this version keep one idle timer that is moved only
 * when it fires (the deadline is the end of the last step plus the idle timeout),
 * instead of cancelling and starting a timer on every step.
 */
const IDLE_DEADLINE = 'trial-upgrade-idle-deadline';

const iso = (ms: number): string => new Date(ms).toISOString();

function missingRefusal(missing: UpgradeStep[], what: string): ApplicationFailure {
  return refusal(
    'step_out_of_order',
    `${what} needs first: ${missing.map((s) => STEP_LABELS[s]).join(', ')}`,
    { missing },
  );
}

function sendRefusal(r: SendRefusal): ApplicationFailure {
  switch (r.code) {
    case 'verification_locked':
      return refusal(
        r.code,
        `verification is locked after too many wrong codes until ${iso(r.retryAt)}`,
        {
          retryAt: iso(r.retryAt),
        },
      );
    case 'phone_already_verified':
      return refusal(r.code, 'phone: this number is already verified', { field: 'phone' });
    case 'step_out_of_order':
      return missingRefusal(['phone'], 'a new code');
    case 'resend_cooldown':
      return refusal(r.code, `wait until ${iso(r.retryAt)} before asking for another code`, {
        retryAt: iso(r.retryAt),
      });
    case 'resend_limit_reached':
      return refusal(r.code, `no more codes for this number until ${iso(r.retryAt)}`, {
        retryAt: iso(r.retryAt),
      });
  }
}

/**
 * One durable upgrade per trial account (seed 000), driven step by step by a
 * signup service through Workflow Updates. Steps run one at a time; each returns
 * the new stage. Ends upgraded, abandoned (no step within the idle timeout) or
 * cancelled; the last two leave the account a trial.
 */
export async function trialUpgrade(input: TrialUpgradeInput): Promise<TrialUpgradeResult> {
  const { workflowId, firstExecutionRunId } = workflowInfo();
  // Decided once, before the first command: a run keeps one kind of step for its whole history.
  const activities = patched(LOCAL_STEPS) ? localSteps : activitySteps;
  const idleDeadline = patched(IDLE_DEADLINE);
  /**
   * Operation keys: workflow id + run + step (+ a counter where a step repeats). The
   * run is part of it because an abandoned or cancelled upgrade may be started again
   * under the same workflow id, and its keys must not find the earlier run's results.
   */
  const opKey = (step: string): string => `${workflowId}@${firstExecutionRunId}:${step}`;
  const { accountId } = input;
  const state = initialState();
  let policy: UpgradePolicy = DEFAULT_UPGRADE_POLICY;
  let phase: 'recording' | 'open' | 'upgrading' | 'closed' = 'recording';
  let finalStage: TrialUpgradeStage | null = null;
  let startFailure: ApplicationFailure | null = null;
  let stage: TrialUpgradeStage = 'recording_account';
  let busy = false;
  let steps = 0;
  /** Workflow time the last step ended (or the upgrade opened): the idle timeout runs from it. */
  let lastStepAt = 0;
  let cancelled = false;
  let summary: UpgradeSummary | undefined;
  // Counters that make each repeatable step's operation key unique.
  let sends = 0;
  let verifies = 0;
  let methods = 0;

  const refresh = (): void => {
    const next: TrialUpgradeStage =
      finalStage ??
      (phase === 'recording'
        ? 'recording_account'
        : phase === 'upgrading'
          ? 'upgrading'
          : stageOf(state, Date.now()));
    if (next !== stage) {
      stage = next;
      upsertSearchAttributes([{ key: BillingStageKey, value: next }]);
    }
    setCurrentDetails(describeStage(stage, state));
  };
  const stepResult = (): StepResult => ({ stage, missing: missingSteps(state) });

  // ---- guards (validators run them before history; handlers again once it is their turn)
  const guardOpen = (): void => {
    if (startFailure) throw startFailure;
    if (phase === 'closed' || cancelled) {
      throw refusal(
        'upgrade_closed',
        `the upgrade of ${accountId} is ${finalStage ?? 'cancelled'}`,
      );
    }
    if (phase === 'upgrading')
      throw refusal('upgrade_in_progress', 'the account is being upgraded');
  };
  const guardOrder = (step: UpgradeStep | 'promo_code' | 'confirm', what: string): void => {
    const missing = missingBefore(state, step);
    if (missing.length > 0) throw missingRefusal(missing, what);
  };
  const guardSend = (phone?: string): void => {
    const r = checkSend(state, policy, Date.now(), phone);
    if (r) throw sendRefusal(r);
  };
  const guardVerify = (): void => {
    if (state.phone === null) throw missingRefusal(['phone'], 'a verification code');
    if (state.verifiedAt !== null) throw sendRefusal({ code: 'phone_already_verified' });
    const now = Date.now();
    if (state.lockedUntil !== null && now < state.lockedUntil) {
      throw sendRefusal({ code: 'verification_locked', retryAt: state.lockedUntil });
    }
    if (state.challenge === null) {
      throw refusal('no_code_sent', 'code: there is no live code; ask for a new one', {
        field: 'code',
      });
    }
  };

  /** Runs one step at a time, after the account is recorded; every step resets the idle timer. */
  const step = async <T>(guard: () => void, fn: () => Promise<T>): Promise<T> => {
    // Only a step sent while the account is being recorded waits: a condition that is
    // already true would still cost the activation a promise and another pass.
    if (phase === 'recording') await condition(() => phase !== 'recording');
    // Several waiting steps can be released by the same activation: re-check before taking the turn.
    while (busy) await condition(() => !busy);
    guardOpen();
    guard();
    busy = true;
    steps++;
    try {
      return await fn();
    } finally {
      busy = false;
      lastStepAt = Date.now();
      refresh();
    }
  };

  // ---- verification ------------------------------------------------------------------
  const sendCode = async (phone: string, channel: 'sms' | 'voice'): Promise<CodeSentResult> => {
    const newNumber = phone !== state.phone;
    const issued = await activities.issueVerificationCode({
      accountId,
      phoneE164: phone,
      channel,
      ttlMs: policy.codeTtlMs,
      at: iso(Date.now()),
      operationKey: opKey(`send-code:${++sends}`),
    });
    const now = Date.now();
    state.resendsUsed = newNumber ? 0 : effectiveResendsUsed(state, policy, now) + 1;
    if (newNumber) {
      state.phone = phone;
      state.verifiedAt = null;
    }
    state.channel = channel;
    state.challenge = {
      id: issued.challengeId,
      expiresAt: Date.parse(issued.expiresAt),
      attemptsLeft: policy.maxAttemptsPerCode,
    };
    state.lastSentAt = now;
    refresh();
    return {
      ...stepResult(),
      channel,
      phone: maskPhone(phone),
      expiresAt: issued.expiresAt,
      resendsLeft: resendsLeft(state, policy, now),
      nextSendAt: iso(nextSendAt(state, policy, now)),
    };
  };

  const lockVerification = (): void => {
    const until = Date.now() + policy.lockoutMs;
    state.lockedUntil = until;
    state.challenge = null;
    log.warn('verification locked after too many wrong codes', { lockedUntil: iso(until) });
    // The lock is a durable timer: when it fires, a new code may be requested.
    void sleep(policy.lockoutMs).then(() => {
      if (state.lockedUntil !== until) return;
      state.lockedUntil = null;
      state.resendsUsed = 0;
      refresh();
    });
  };

  setHandler(
    submitPhoneUpdate,
    (raw) => {
      const { phone, channel } = SubmitPhoneSchema.parse(raw);
      return step(
        () => guardSend(phone),
        () => sendCode(phone, channel),
      );
    },
    {
      validator: (raw) => {
        const { phone } = parseOrRefuse(SubmitPhoneSchema, raw);
        guardOpen();
        guardSend(phone);
      },
    },
  );

  setHandler(
    resendCodeUpdate,
    (raw) => {
      const { channel } = ResendCodeSchema.parse(raw);
      return step(
        () => guardSend(),
        () => sendCode(state.phone ?? '', channel ?? state.channel ?? 'sms'),
      );
    },
    {
      validator: (raw) => {
        parseOrRefuse(ResendCodeSchema, raw);
        guardOpen();
        guardSend();
      },
    },
  );

  setHandler(
    verifyCodeUpdate,
    (raw) => {
      const { sealedCode } = VerifyCodeSchema.parse(raw);
      return step(guardVerify, async (): Promise<VerifyCodeResult> => {
        const challenge = state.challenge;
        if (!challenge) throw refusal('no_code_sent', 'code: there is no live code');
        const checked = await activities.checkVerificationCode({
          challengeId: challenge.id,
          sealedCode,
          maxAttempts: policy.maxAttemptsPerCode,
          at: iso(Date.now()),
          operationKey: opKey(`verify:${++verifies}`),
        });
        challenge.attemptsLeft = checked.attemptsLeft;
        if (checked.outcome === 'verified') {
          state.verifiedAt = checked.verifiedAt ?? iso(Date.now());
          state.challenge = null;
          refresh();
          return { ...stepResult(), verified: true, attemptsLeft: checked.attemptsLeft };
        }
        if (checked.outcome === 'expired') {
          state.challenge = null;
          refresh();
          return {
            ...stepResult(),
            verified: false,
            reason: 'code_expired',
            attemptsLeft: checked.attemptsLeft,
          };
        }
        if (checked.attemptsLeft === 0) lockVerification();
        refresh();
        return {
          ...stepResult(),
          verified: false,
          reason: checked.outcome === 'wrong_code' ? 'wrong_code' : 'no_attempts_left',
          attemptsLeft: checked.attemptsLeft,
          ...(state.lockedUntil !== null ? { lockedUntil: iso(state.lockedUntil) } : {}),
        };
      });
    },
    {
      validator: (raw) => {
        parseOrRefuse(VerifyCodeSchema, raw);
        guardOpen();
        guardVerify();
      },
    },
  );

  // ---- addresses and payment method ---------------------------------------------------
  setHandler(
    submitCompanyAddressUpdate,
    (raw) => {
      const address = AddressSchema.parse(raw);
      return step(
        () => guardOrder('company_address', 'the company address'),
        async () => {
          state.companyAddress = address;
          refresh();
          return stepResult();
        },
      );
    },
    {
      validator: (raw) => {
        parseOrRefuse(AddressSchema, raw);
        guardOpen();
        guardOrder('company_address', 'the company address');
      },
    },
  );

  setHandler(
    submitBillingAddressUpdate,
    (raw) => {
      const billing = BillingAddressSchema.parse(raw);
      return step(
        () => guardOrder('billing_address', 'the billing address'),
        async () => {
          state.billing =
            billing.sameAsCompany || !billing.address
              ? { sameAsCompany: true }
              : { sameAsCompany: false, address: billing.address };
          refresh();
          return stepResult();
        },
      );
    },
    {
      validator: (raw) => {
        parseOrRefuse(BillingAddressSchema, raw);
        guardOpen();
        guardOrder('billing_address', 'the billing address');
      },
    },
  );

  const guardCardNotExpired = (method: {
    type: string;
    expMonth?: number;
    expYear?: number;
  }): void => {
    if (method.type !== 'card' || method.expMonth === undefined || method.expYear === undefined)
      return;
    const now = new Date(Date.now());
    const year = now.getUTCFullYear();
    if (
      method.expYear < year ||
      (method.expYear === year && method.expMonth < now.getUTCMonth() + 1)
    ) {
      throw refusal('invalid_input', 'expYear: the card has expired', {
        fields: [{ path: 'expYear', message: 'The card has expired' }],
      });
    }
  };

  setHandler(
    submitPaymentMethodUpdate,
    (raw) => {
      const method = TokenizedPaymentMethodSchema.parse(raw);
      return step(
        () => guardOrder('payment_method', 'the payment method'),
        async () => {
          const recorded = await activities.recordPaymentMethod({
            accountId,
            method,
            operationKey: opKey(`payment-method:${++methods}`),
          });
          state.paymentMethod = { ...method, paymentMethodId: recorded.paymentMethodId };
          refresh();
          return stepResult();
        },
      );
    },
    {
      validator: (raw) => {
        const method = parseOrRefuse(TokenizedPaymentMethodSchema, raw);
        guardCardNotExpired(method);
        guardOpen();
        guardOrder('payment_method', 'the payment method');
      },
    },
  );

  // ---- promo code ----------------------------------------------------------------------
  setHandler(
    submitPromoCodeUpdate,
    (raw) => {
      const { code } = SubmitPromoCodeSchema.parse(raw);
      return step(
        () => guardOrder('promo_code', 'a promo code'),
        async () => {
          let checked;
          try {
            checked = await checkCode({ accountId, code, at: iso(Date.now()) });
          } catch (err) {
            const refused = refusalOf(err);
            if (refused)
              throw refusal(refused.type ?? 'promo_code_refused', `code: ${refused.message}`, {
                field: 'code',
              });
            throw err;
          }
          if (!checked.ok) {
            throw refusal(checked.reason, `code: ${checked.message}`, {
              field: 'code',
              ...(checked.retryAt ? { retryAt: checked.retryAt } : {}),
            });
          }
          state.promo = {
            code: checked.code,
            appliesAt: checked.servesTrialUpgrade ? 'upgrade' : 'after_upgrade',
            servesTrialUpgrade: checked.servesTrialUpgrade,
            grant: checked.grant,
            value: checked.value,
            currency: checked.currency,
          };
          refresh();
          return { ...stepResult(), promoCode: maskedDetails(state).promoCode ?? state.promo };
        },
      );
    },
    {
      validator: (raw) => {
        parseOrRefuse(SubmitPromoCodeSchema, raw);
        guardOpen();
        guardOrder('promo_code', 'a promo code');
      },
    },
  );

  setHandler(
    removePromoCodeUpdate,
    () =>
      step(
        () => undefined,
        async () => {
          state.promo = null;
          refresh();
          return stepResult();
        },
      ),
    { validator: () => guardOpen() },
  );

  // ---- confirm ("Upgrade Account") ----------------------------------------------------
  const redeem = async (
    code: string,
    purpose: 'trial_upgrade' | 'add_funds',
  ): Promise<AppliedPromoCode & { fundsBalance: string }> => {
    const redeemed = await activities.redeemCode({
      accountId,
      code,
      at: iso(Date.now()),
      purpose,
      operationKey: opKey(`promo-${purpose}`),
    });
    return {
      code: redeemed.code,
      appliedAs: purpose,
      grant: redeemed.grant,
      fundsAdded: redeemed.fundsAdded,
      couponId: redeemed.couponId,
      fundsBalance: redeemed.fundsBalance,
    };
  };

  const confirm = async (): Promise<UpgradeSummary> => {
    const phone = state.phone;
    const company = state.companyAddress;
    const billing = billingAddressOf(state);
    const method = state.paymentMethod;
    const verifiedAt = state.verifiedAt;
    if (!phone || !company || !billing || !method || !verifiedAt) {
      throw missingRefusal(missingSteps(state), 'the upgrade');
    }
    phase = 'upgrading';
    refresh();
    try {
      let applied: (AppliedPromoCode & { fundsBalance: string }) | null = null;
      const promo = state.promo;
      if (promo) {
        // Checked again: the code may have expired or been used up since it was entered.
        const rechecked = await checkCode({ accountId, code: promo.code, at: iso(Date.now()) });
        if (!rechecked.ok) {
          state.promo = null;
          throw refusal(
            rechecked.reason,
            `code: ${rechecked.message}; the promo code was removed, confirm again to upgrade without it`,
            { field: 'code' },
          );
        }
        if (rechecked.servesTrialUpgrade) {
          // Applied while the account is still a trial: the upgrade's own credit.
          try {
            applied = await redeem(promo.code, 'trial_upgrade');
          } catch (err) {
            const refused = refusalOf(err);
            if (!refused) throw err;
            state.promo = null;
            throw refusal(
              refused.type ?? 'promo_code_refused',
              `code: ${refused.message}; the promo code was removed, confirm again to upgrade without it`,
              { field: 'code' },
            );
          }
        }
      }
      const upgraded = await activities.completeTrialUpgrade({
        accountId,
        phoneE164: phone,
        phoneVerifiedAt: verifiedAt,
        companyAddress: company,
        billingAddress: billing,
        billingSameAsCompany: state.billing?.sameAsCompany ?? false,
        paymentMethodId: method.paymentMethodId,
        at: iso(Date.now()),
      });
      let fundsBalance = upgraded.fundsBalance;
      let notApplied: UpgradeSummary['promoCodeNotApplied'];
      if (promo && !applied) {
        // A code that cannot serve the upgrade: Add Funds > Promo Code, right after it.
        try {
          applied = await redeem(promo.code, 'add_funds');
        } catch (err) {
          const refused = refusalOf(err);
          if (!refused) throw err;
          notApplied = {
            code: promo.code,
            reason: refused.type ?? 'refused',
            message: refused.message,
          };
          log.warn('promo code could not be applied after the upgrade', notApplied);
        }
      }
      if (applied) fundsBalance = applied.fundsBalance;
      const result: UpgradeSummary = {
        accountId,
        status: 'upgraded',
        upgradedAt: upgraded.upgradedAt,
        automaticRechargeEnabled: upgraded.automaticRechargeEnabled,
        charged: false,
        phone: maskPhone(phone),
        companyAddress: summarizeAddress(company),
        billingAddress: summarizeAddress(billing),
        billingSameAsCompany: state.billing?.sameAsCompany ?? false,
        paymentMethod: describePaymentMethod(method),
        promoCode: applied
          ? {
              code: applied.code,
              appliedAs: applied.appliedAs,
              grant: applied.grant,
              fundsAdded: applied.fundsAdded,
              couponId: applied.couponId,
            }
          : null,
        ...(notApplied ? { promoCodeNotApplied: notApplied } : {}),
        fundsBalance,
      };
      summary = result;
      phase = 'closed';
      finalStage = 'upgraded';
      return result;
    } catch (err) {
      if (phase === 'upgrading') phase = 'open';
      throw err;
    }
  };

  setHandler(
    confirmUpgradeUpdate,
    () => step(() => guardOrder('confirm', 'the upgrade'), confirm),
    {
      validator: () => {
        guardOpen();
        guardOrder('confirm', 'the upgrade');
      },
    },
  );

  // ---- start, queries, cancel ---------------------------------------------------------
  setHandler(awaitStartedUpdate, async () => {
    await condition(() => phase !== 'recording');
    if (startFailure) throw startFailure;
    return stepResult();
  });
  setHandler(stageQuery, () => stage);
  setHandler(missingStepsQuery, () => missingSteps(state));
  setHandler(verificationStatusQuery, () => verificationStatus(state, policy, Date.now()));
  setHandler(detailsQuery, () => maskedDetails(state));
  setHandler(progressQuery, () => ({
    stage,
    missing: missingSteps(state),
    verification: verificationStatus(state, policy, Date.now()),
    details: maskedDetails(state),
  }));
  setHandler(cancelUpgradeSignal, ({ reason }) => {
    if (phase === 'closed') return;
    log.info('upgrade cancelled by the signup service', { reason });
    cancelled = true;
  });
  upsertSearchAttributes([{ key: AccountIdKey, value: accountId }]);

  const finish = async (outcome: TrialUpgradeResult['outcome']): Promise<TrialUpgradeResult> => {
    phase = 'closed';
    finalStage = outcome;
    refresh();
    await condition(allHandlersFinished);
    return { accountId, outcome, ...(summary ? { summary } : {}) };
  };

  try {
    await activities.recordTrialAccount({
      accountId,
      displayName: input.displayName,
      email: input.email,
      currency: input.currency,
    });
  } catch (err) {
    const refused = refusalOf(err);
    if (refused?.type !== 'account_already_upgraded') throw err;
    // Refused with its reason: pending awaitStarted updates get it, then the workflow fails with it.
    startFailure = refusal('account_already_upgraded', refused.message);
    phase = 'closed';
    await condition(allHandlersFinished);
    throw startFailure;
  }
  policy = resolvePolicy((await activities.getTrialUpgradePolicy()) ?? DEFAULT_UPGRADE_POLICY, {
    ...(input.idleTimeout !== undefined ? { idleTimeout: input.idleTimeout } : {}),
    ...input.policy,
  });
  phase = 'open';
  lastStepAt = Date.now();
  refresh();

  const endCancelled = async (): Promise<TrialUpgradeResult> => {
    // A step already running finishes first; an upgrade under way completes.
    await condition(() => !busy);
    if (summary) {
      log.warn('cancel arrived while the account was being upgraded; the upgrade stands');
      return finish('upgraded');
    }
    return finish('cancelled');
  };

  if (!idleDeadline) {
    // Upgrades started before IDLE_DEADLINE: a new idle timer after every step.
    for (;;) {
      const seen = steps;
      const stepped = await condition(
        () => steps !== seen || cancelled || phase === 'closed',
        policy.idleTimeoutMs,
      );
      if (summary) return finish('upgraded');
      if (cancelled) return endCancelled();
      if (!stepped && !busy) return finish('abandoned');
    }
  }
  for (;;) {
    // Steps do not wake this loop: the timer runs to the deadline it was set for, and
    // when it fires the deadline is measured again from the last step.
    const idleLeft = lastStepAt + policy.idleTimeoutMs - Date.now();
    if (idleLeft > 0) await condition(() => cancelled || phase === 'closed', idleLeft);
    if (summary) return finish('upgraded');
    if (cancelled) return endCancelled();
    if (lastStepAt + policy.idleTimeoutMs <= Date.now()) {
      if (!busy) return finish('abandoned');
      // A step outlived the deadline: the idle timeout runs again from its end.
      await condition(() => !busy || cancelled || phase === 'closed');
    }
  }
}
