/**
 * Promo and coupon codes (seed 000, seed 002 §Getting coupons): an exact,
 * case-sensitive code grants account funds or a coupon. checkCode reads;
 * redeemCode writes, once per account and within the code's limits, and never
 * past 50 active coupons however many redemptions race (the account row lock
 * serialises one account's redemptions, so each counts the ones before it).
 */
import { randomUUID } from 'node:crypto';
import {
  CouponSchema,
  Dec,
  checkCouponClaim,
  countActiveCoupons,
  isEffectiveAt,
  isExpiredAt,
  parseInput,
  toEpochMs,
  type Amount,
  type Coupon,
  type CurrencyCode,
} from '../../domain';
import type { Account, RedemptionCode } from '../../generated/prisma/client';
import type { Database } from '../database';
import {
  DEFAULT_CODE_ATTEMPT_LIMITS,
  recordFailedAttempt,
  refuseIfTooManyAttempts,
  type CodeAttemptLimits,
} from './attempts';
import { lockAccounts, lockRedemptionCode } from './locks';
import { changeCoupon, moveFunds } from './movements';
import { runOperation, runReadOnly, type Tx } from './operation';
import { accountNotFound, LedgerRefusal } from './refusal';
import { amountOf, currencyOf, toDomainCoupon } from './rows';
import { CouponTermsSchema } from './schemas';
import type { CheckCodeInput, CodeCheck, RedeemCodeInput, RedeemCodeResult } from './types';

interface JudgedCode {
  account: Account;
  row: RedemptionCode;
  currency: CurrencyCode;
  value: Amount;
  /** coupon grants: the coupon it would create (ids are fresh for each call). */
  coupon: Coupon | null;
}

export async function checkCode(
  db: Database,
  input: CheckCodeInput,
  limits: CodeAttemptLimits = DEFAULT_CODE_ATTEMPT_LIMITS,
): Promise<CodeCheck> {
  const check = await runReadOnly(db, async (tx): Promise<CodeCheck> => {
    try {
      await refuseIfTooManyAttempts(tx, input.accountId, input.at, limits);
      const judged = await judgeCode(tx, input);
      return {
        ok: true,
        code: judged.row.code,
        grant: judged.row.grant,
        currency: judged.currency,
        value: judged.value,
        ...(judged.coupon ? { couponKind: judged.coupon.kind } : {}),
        servesTrialUpgrade: judged.row.servesTrialUpgrade,
      };
    } catch (err) {
      if (!(err instanceof LedgerRefusal)) throw err;
      const retryAt = err.details['retryAt'];
      return {
        ok: false,
        code: input.code,
        reason: err.code,
        message: err.message,
        ...(typeof retryAt === 'string' ? { retryAt } : {}),
      };
    }
  });
  if (!check.ok) await recordFailedAttempt(db, input.accountId, input.at, check.reason);
  return check;
}

export async function redeemCode(
  db: Database,
  input: RedeemCodeInput,
  limits: CodeAttemptLimits = DEFAULT_CODE_ATTEMPT_LIMITS,
): Promise<RedeemCodeResult> {
  try {
    return await redeemCodeOnce(db, input, limits);
  } catch (err) {
    if (err instanceof LedgerRefusal) {
      await recordFailedAttempt(db, input.accountId, input.at, err.code);
    }
    throw err;
  }
}

async function redeemCodeOnce(
  db: Database,
  input: RedeemCodeInput,
  limits: CodeAttemptLimits,
): Promise<RedeemCodeResult> {
  const { accountId, code, purpose, operationKey } = input;
  return runOperation(
    db,
    { key: operationKey, kind: 'redeemCode', request: { accountId, code, purpose } },
    async (tx) => {
      if (!(await lockAccounts(tx, [accountId])).has(accountId)) {
        throw accountNotFound(accountId);
      }
      // Before the code is looked up: a locked-out guesser learns nothing.
      await refuseIfTooManyAttempts(tx, accountId, input.at, limits);
      await lockRedemptionCode(tx, code);
      const judged = await judgeCode(tx, input);
      checkPurpose(judged, purpose);

      let couponId: string | null = null;
      let fundsAdded: Amount | null = null;
      if (judged.coupon) {
        couponId = await grantCoupon(tx, judged.coupon, `code:${code}`, operationKey);
      } else {
        await moveFunds(tx, accountId, {
          kind: 'promo_credit',
          delta: new Dec(judged.value),
          reference: `code:${code}`,
          operationKey,
        });
        fundsAdded = judged.value;
      }
      await tx.codeRedemption.create({
        data: {
          id: `red-${randomUUID()}`,
          code,
          accountId,
          couponId,
          fundsAmount: fundsAdded,
          operationKey,
        },
      });
      await tx.redemptionCode.update({
        where: { code },
        data: { redemptionCount: { increment: 1 } },
      });
      const account = await tx.account.findUniqueOrThrow({ where: { id: accountId } });
      return {
        code,
        grant: judged.row.grant,
        couponId,
        fundsAdded,
        fundsBalance: amountOf(account.fundsBalance, currencyOf(account.currency)),
      };
    },
  );
}

/** seed 000: Add Funds > Promo Code is for upgraded accounts; the upgrade takes only codes that serve it. */
function checkPurpose(judged: JudgedCode, purpose: RedeemCodeInput['purpose']): void {
  const { account, row } = judged;
  if (purpose === 'add_funds' && account.status === 'trial') {
    throw new LedgerRefusal(
      'account_is_trial',
      `account ${account.id} is a trial account: use the promo code in the upgrade instead`,
      { accountId: account.id },
    );
  }
  if (purpose === 'trial_upgrade' && account.status !== 'trial') {
    throw new LedgerRefusal('account_not_trial', `account ${account.id} is already upgraded`, {
      accountId: account.id,
    });
  }
  if (purpose === 'trial_upgrade' && !row.servesTrialUpgrade) {
    throw new LedgerRefusal(
      'code_not_for_trial_upgrade',
      `code ${row.code} cannot be used for the upgrade; add it with Add Funds > Promo Code after upgrading`,
      { code: row.code },
    );
  }
}

async function judgeCode(tx: Tx, input: CheckCodeInput): Promise<JudgedCode> {
  const { accountId, code, at } = input;
  const account = await tx.account.findUnique({ where: { id: accountId } });
  if (!account) throw accountNotFound(accountId);
  // Primary-key lookup: exact and case-sensitive ("abc" is not "ABC").
  const row = await tx.redemptionCode.findUnique({ where: { code } });
  if (!row) throw new LedgerRefusal('unknown_code', `no code "${code}"`, { code });

  // The code's own validity, half-open like a coupon's: [validFrom, validUntil).
  const window = {
    effectiveAt: row.validFrom.toISOString(),
    expiresAt: row.validUntil.toISOString(),
  };
  if (!isEffectiveAt(window, at)) {
    throw new LedgerRefusal(
      'code_not_yet_valid',
      `code ${code} is valid from ${window.effectiveAt}`,
      { code },
    );
  }
  if (isExpiredAt(window, at)) {
    throw new LedgerRefusal('code_expired', `code ${code} expired at ${window.expiresAt}`, {
      code,
    });
  }
  if (row.maxRedemptions !== null && row.redemptionCount >= row.maxRedemptions) {
    throw new LedgerRefusal('code_exhausted', `code ${code} has been used up`, { code });
  }
  const previous = await tx.codeRedemption.findUnique({
    where: { code_accountId: { code, accountId } },
  });
  if (previous) {
    throw new LedgerRefusal(
      'code_already_redeemed',
      `account ${accountId} already redeemed ${code}`,
      {
        code,
      },
    );
  }

  const currency = misconfiguredUnless(row, () => currencyOf(row.currency));
  if (row.grant === 'funds') {
    if (row.currency !== account.currency) {
      throw new LedgerRefusal(
        'code_currency_mismatch',
        `code ${code} credits ${row.currency}; account ${accountId} is in ${account.currency}`,
        { code },
      );
    }
    if (row.fundsAmount === null) {
      throw new LedgerRefusal('code_misconfigured', `code ${code} names no funds amount`, { code });
    }
    const value = misconfiguredUnless(row, () => amountOf(row.fundsAmount ?? '0', currency));
    return { account, row, currency, value, coupon: null };
  }

  const coupon = couponFromTerms(row, currency, accountId, at);
  if (isExpiredAt(coupon, at)) {
    throw new LedgerRefusal(
      'code_expired',
      `the coupon of code ${code} expired at ${coupon.expiresAt}`,
      {
        code,
      },
    );
  }
  const owned = await tx.coupon.findMany({
    where: { ownerAccountId: accountId, status: { in: ['available', 'frozen'] } },
  });
  const claim = checkCouponClaim(countActiveCoupons(owned.map(toDomainCoupon), accountId, at));
  if (!claim.allowed) {
    throw new LedgerRefusal('coupon_limit_reached', claim.message, {
      code,
      remaining: claim.remaining,
    });
  }
  return { account, row, currency, value: coupon.faceValue, coupon };
}

/** The coupon a code grants, checked by the domain's coupon contract. */
function couponFromTerms(
  row: RedemptionCode,
  currency: CurrencyCode,
  accountId: string,
  at: string,
): Coupon {
  const terms = parseInput(CouponTermsSchema, row.couponTerms ?? undefined);
  if (!terms.ok) {
    throw new LedgerRefusal(
      'code_misconfigured',
      `code ${row.code}: couponTerms ${terms.message}`,
      {
        code: row.code,
        fields: terms.errors,
      },
    );
  }
  const { validDays, effectiveAt, expiresAt, ...rest } = terms.value;
  const start = effectiveAt ?? new Date(toEpochMs(at)).toISOString();
  const end = expiresAt ?? new Date(toEpochMs(start) + (validDays ?? 0) * 86_400_000).toISOString();
  const id = `cpn-${randomUUID()}`;
  const candidate = {
    ...rest,
    id,
    couponNumber: `C${randomUUID().replace(/-/g, '').slice(0, 15).toUpperCase()}`,
    ownerAccountId: accountId,
    currency,
    balance: rest.faceValue,
    effectiveAt: start,
    expiresAt: end,
    status: 'available' as const,
  };
  const coupon = parseInput(CouponSchema, candidate);
  if (!coupon.ok) {
    throw new LedgerRefusal('code_misconfigured', `code ${row.code}: coupon ${coupon.message}`, {
      code: row.code,
      fields: coupon.errors,
    });
  }
  return coupon.value;
}

function misconfiguredUnless<T>(row: RedemptionCode, read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw new LedgerRefusal('code_misconfigured', `code ${row.code}: ${(err as Error).message}`, {
      code: row.code,
    });
  }
}

/**
 * Creates the coupon at balance 0, then books its face value as its first
 * movement ('redeem'), so even a new coupon's balance is the sum of its ledger.
 * `source` says where it came from (`code:<code>`, a campaign).
 */
export async function grantCoupon(
  tx: Tx,
  coupon: Coupon,
  source: string,
  operationKey: string,
): Promise<string> {
  const created = await tx.coupon.create({
    data: {
      id: coupon.id,
      couponNumber: coupon.couponNumber,
      ownerAccountId: coupon.ownerAccountId,
      kind: coupon.kind,
      currency: coupon.currency,
      faceValue: coupon.faceValue,
      balance: '0',
      threshold: coupon.threshold ?? null,
      discountPercent: coupon.discountPercent ?? null,
      effectiveAt: new Date(coupon.effectiveAt),
      expiresAt: new Date(coupon.expiresAt),
      scopeType: coupon.scope.type,
      scopeProductCodes: coupon.scope.type === 'products' ? coupon.scope.productCodes : [],
      allProducts: coupon.allProducts,
      channel: coupon.channel,
      orderTypes: coupon.orderTypes,
      consumptionType: coupon.consumptionType,
      minDurationMonths: coupon.minDurationMonths ?? null,
      maxDurationMonths: coupon.maxDurationMonths ?? null,
      combinable: coupon.combinable,
      status: 'available',
      source,
    },
  });
  await changeCoupon(tx, created, {
    kind: 'redeem',
    balanceAfter: coupon.faceValue,
    statusAfter: 'available',
    frozenForOrderId: null,
    operationKey,
    note: `granted from ${source}`,
  });
  return coupon.id;
}
