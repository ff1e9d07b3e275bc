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
  | 'insufficient_funds'
  // Added with the ledger implementation (issue 5):
  | 'invalid_input' // details: { fields: { path, message }[] }
  | 'product_not_found' // no catalog product with that commodity code
  | 'code_not_for_trial_upgrade' // purpose 'trial_upgrade' with a code that cannot serve it
  | 'code_misconfigured' // the code's couponTerms do not describe a valid coupon
  | 'order_already_has_coupon' // one coupon per order (seed 002 §Paying an order)
  | 'insufficient_coupon_balance' // a deduction larger than the frozen coupon's balance
  | 'deduction_exceeds_quote' // a deduction larger than the one quoted when the coupon was frozen
  | 'coupon_already_invalid'
  | 'currency_mismatch' // funds in another currency than the account's
  | 'account_not_in_organization'
  // Abuse limits (issue 9): details { accountId, retryAt }
  | 'too_many_attempts';

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
  | {
      ok: false;
      code: string;
      reason: LedgerRefusalCode;
      message: string;
      /** too_many_attempts: when the account may try a code again. */
      retryAt?: string;
    };

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

// ---- added with the ledger implementation (issue 5) ----------------------------

export interface AddFundsResult {
  accountId: string;
  fundsAdded: Amount;
  /** A top-up or recharge clears outstanding arrears first (docs/ledger.md). */
  arrearsCleared: Amount;
  fundsBalance: Amount;
  arrears: Amount;
}

export interface ReleaseResult {
  couponId: string;
  orderId: string;
  /** available, or expired when the coupon expired while frozen. */
  statusAfter: CouponStatus;
  balance: Amount;
}

export interface DeductResult {
  couponId: string;
  orderId: string;
  deducted: Amount;
  balanceAfter: Amount;
  statusAfter: CouponStatus;
}

export interface PayFromFundsResult {
  accountId: string;
  billId: string;
  paid: Amount;
  /** What the funds could not cover. */
  remainder: Amount;
  fundsBalance: Amount;
}

export interface RecordArrearsInput {
  accountId: string;
  billId: string;
  amount: Amount;
  currency: CurrencyCode;
  operationKey: string;
}

export interface ClearArrearsInput {
  accountId: string;
  operationKey: string;
}

export interface ArrearsResult {
  accountId: string;
  /** Arrears paid from funds by this operation ("0" for recordArrears). */
  cleared: Amount;
  arrears: Amount;
  fundsBalance: Amount;
}

export interface ExpireCouponsInput {
  /** The sweep's instant: coupons whose expiry is at or before it are expired. */
  at: string;
  operationKey: string;
  /** At most this many coupons per call (default 500); `more` says whether to call again. */
  batchSize?: number;
}

export interface ExpireCouponsResult {
  expiredCouponIds: string[];
  more: boolean;
}

export interface InvalidateCouponInput {
  couponId: string;
  reason: string;
  operationKey: string;
  at: string;
}

export interface CouponStateResult {
  couponId: string;
  status: CouponStatus;
  balance: Amount;
}

export interface ShareCouponInput {
  couponId: string;
  ownerAccountId: string;
  scope: 'organization' | 'accounts';
  /** scope organization: the owner's organization. */
  organizationId?: string;
  /** scope accounts: the fixed list. */
  accountIds?: string[];
  operationKey: string;
  at: string;
}

export interface ShareView {
  shareId: string;
  couponId: string;
  scope: 'organization' | 'accounts';
  organizationId: string | null;
  accountIds: string[];
  createdAt: string;
  cancelledAt: string | null;
}

export interface CancelShareInput {
  shareId: string;
  ownerAccountId: string;
  operationKey: string;
  at: string;
}

export interface OrganizationInput {
  organizationId: string;
  name: string;
}

export interface OrganizationView {
  organizationId: string;
  name: string;
  createdAt: string;
}

export interface MembershipInput {
  accountId: string;
  organizationId: string;
  operationKey: string;
}

export interface MembershipResult {
  accountId: string;
  organizationId: string | null;
}

export interface RenewalCouponChoice {
  couponId: string;
  deduction: Amount;
  payable: Amount;
}

/** listCouponOptions: every coupon the account can see, with why it can or cannot pay. */
export type ListCouponOptionsInput = Omit<OrderCouponInput, 'couponId' | 'operationKey'>;

export interface ListCouponsInput {
  accountId: string;
  /** The instant statuses are read at; defaults to now. */
  at?: string;
  /** Effective status (a coupon past expiry reads expired at once). */
  status?: CouponStatus;
  /** Validity filter: coupons whose [effectiveAt, expiresAt) overlaps [validFrom, validTo). */
  validFrom?: string;
  validTo?: string;
  couponNumber?: string;
  cursor?: string;
  /** 1..100, default 20. */
  limit?: number;
}

export interface CouponView {
  couponId: string;
  couponNumber: string;
  ownerAccountId: string;
  /** Not owned by the listing account: shared with it. */
  shared: boolean;
  kind: CouponKind;
  currency: CurrencyCode;
  faceValue: Amount;
  balance: Amount;
  threshold: Amount | null;
  discountPercent: string | null;
  effectiveAt: string;
  expiresAt: string;
  scope: { type: 'general' } | { type: 'products'; productCodes: string[] };
  allProducts: boolean;
  channel: 'official' | 'marketplace';
  orderTypes: OrderType[];
  consumptionType: 'subscription' | 'payg' | 'any';
  combinable: boolean;
  /** Effective status at the listing instant. */
  status: CouponStatus;
  frozenForOrderId: string | null;
}

export interface CouponPage {
  items: CouponView[];
  nextCursor: string | null;
}

export interface CouponHistoryInput {
  couponId: string;
  /** The account looking: the coupon must be its own or shared with it. */
  accountId: string;
  at?: string;
}

export interface CouponHistory {
  coupon: CouponView;
  movements: CouponMovementView[];
}

/** Exactly one of orderId / billId. */
export interface CouponDeductionInput {
  orderId?: string;
  billId?: string;
}

export interface CouponDeductionView {
  orderId: string | null;
  billId: string | null;
  /** null when no coupon ever touched it. */
  currency: CurrencyCode | null;
  deducted: Amount;
  returned: Amount;
  /** deducted − returned: the "coupon deduction amount" shown now. */
  net: Amount;
  coupons: { couponId: string; deducted: Amount; returned: Amount }[];
}

export interface LedgerConsistencyReport {
  ok: boolean;
  coupons: { couponId: string; balance: string; ledgerSum: string }[];
  accounts: { accountId: string; fundsBalance: string; ledgerSum: string }[];
}
