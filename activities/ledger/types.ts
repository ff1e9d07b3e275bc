/**
 * The coupon ledger's activity contract: what workflows call. Every operation
 * that changes state takes an `operationKey` (derived by the caller from the
 * workflow id and step, e.g. `order/o-1:freeze`): a retry with the same key
 * returns the first result and changes nothing; the same key with different
 * arguments is refused (`operation_key_reused`). Business refusals are thrown as
 * non-retryable ApplicationFailures whose `type` is a LedgerRefusalCode.
 * Amounts are canonical decimal strings (domain/money), instants ISO strings.
 */
import type { Amount, CurrencyCode } from '../../domain/money';
import type { CouponKind, CouponStatus, OrderType } from '../../domain/coupon';
import type { IneligibilityReason } from '../../domain/eligibility';
import type { ReturnEvent, ReturnDecision } from '../../domain/returns';

export type LedgerRefusalCode =
  | 'operation_key_reused'
  | 'account_not_found'
  | 'account_is_trial' // add funds with a promo code: a trial account uses the upgrade instead
  | 'account_not_trial'
  | 'unknown_code'
  | 'code_not_yet_valid'
  | 'code_expired'
  | 'code_exhausted'
  | 'code_already_redeemed'
  | 'code_currency_mismatch'
  | 'coupon_limit_reached' // 50 active coupons, frozen included
  | 'coupon_not_found'
  | 'coupon_not_eligible' // details: IneligibilityReason[]
  | 'coupon_not_frozen_for_order'
  | 'coupon_not_deducted_for_order'
  | 'coupon_not_owned'
  | 'organization_not_found'
  | 'share_not_found'
  | 'insufficient_funds';

// ---- codes (promo codes and coupon codes) -----------------------------------

export type RedemptionPurpose =
  /** Applied while upgrading a trial account (seed 000). */
  | 'trial_upgrade'
  /** Billing > Add Funds > Promo Code on an upgraded account (seed 000). */
  | 'add_funds'
  /** Coupon code redeemed on an order confirmation page (seed 002). */
  | 'order_confirmation';

export interface CheckCodeInput {
  accountId: string;
  code: string;
  at: string;
}

export type CodeCheck =
  | {
      ok: true;
      code: string;
      grant: 'funds' | 'coupon';
      currency: CurrencyCode;
      /** funds grant: the credit. coupon grant: the coupon's face value. */
      value: Amount;
      couponKind?: CouponKind;
      servesTrialUpgrade: boolean;
    }
  | { ok: false; code: string; reason: LedgerRefusalCode; message: string };

export interface RedeemCodeInput extends CheckCodeInput {
  purpose: RedemptionPurpose;
  operationKey: string;
}

export interface RedeemCodeResult {
  code: string;
  grant: 'funds' | 'coupon';
  couponId: string | null;
  fundsAdded: Amount | null;
  fundsBalance: Amount;
}

export interface AddFundsInput {
  accountId: string;
  amount: Amount;
  currency: CurrencyCode;
  kind: 'top_up' | 'recharge';
  reference?: string;
  operationKey: string;
}

// ---- order coupons ------------------------------------------------------------

export interface OrderCouponInput {
  accountId: string;
  couponId: string;
  orderId: string;
  commodityCode: string;
  orderType: OrderType;
  amount: Amount;
  currency: CurrencyCode;
  durationMonths?: number;
  otherOffersApplied?: boolean;
  at: string;
  operationKey: string;
}

export interface FreezeResult {
  couponId: string;
  orderId: string;
  /** What the coupon will deduct when the order is paid, and what is left to pay. */
  deduction: Amount;
  payable: Amount;
}

export interface ReleaseInput {
  couponId: string;
  orderId: string;
  operationKey: string;
  at: string;
}

export interface DeductInput {
  couponId: string;
  orderId: string;
  /** The deduction quoted at freeze; refused if the coupon cannot cover it any more. */
  amount: Amount;
  operationKey: string;
  at: string;
}

export interface ReturnCouponInput {
  couponId: string;
  orderId?: string;
  billId?: string;
  commodityCode: string;
  event: ReturnEvent;
  operationKey: string;
  at: string;
}

export interface CouponMovementView {
  couponId: string;
  kind: 'redeem' | 'freeze' | 'release' | 'deduct' | 'return' | 'expire' | 'invalidate';
  balanceDelta: Amount;
  balanceAfter: Amount;
  statusAfter: CouponStatus;
  orderId: string | null;
  billId: string | null;
  operationKey: string;
  at: string;
}

export type ReturnCouponResult = ReturnDecision & { couponId: string };

/** Auto-renewal: the engine picks the coupon by domain/renewal's rule. */
export interface ChooseRenewalCouponInput {
  accountId: string;
  orderId: string;
  commodityCode: string;
  amount: Amount;
  currency: CurrencyCode;
  durationMonths?: number;
  at: string;
}

// ---- pay-as-you-go bills --------------------------------------------------------

export interface DrawDownBillInput {
  billId: string;
  accountId: string;
  commodityCode: string;
  amount: Amount;
  currency: CurrencyCode;
  overdue: boolean;
  at: string;
  operationKey: string;
}

export interface BillDrawdownResult {
  billId: string;
  draws: { couponId: string; amount: Amount; balanceAfter: Amount }[];
  couponDeduction: Amount;
  remainder: Amount;
  blockedBy: 'overdue_bill' | 'outstanding_arrears' | null;
}

export interface PayFromFundsInput {
  accountId: string;
  billId: string;
  /** At most this much is taken; the result says how much was. */
  amount: Amount;
  currency: CurrencyCode;
  operationKey: string;
}

// ---- explanations -----------------------------------------------------------

export interface CouponOption {
  couponId: string;
  kind: CouponKind;
  balance: Amount;
  expiresAt: string;
  eligible: boolean;
  reasons: IneligibilityReason[];
  deduction: Amount;
}
