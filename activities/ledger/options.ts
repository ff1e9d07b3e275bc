/**
 * The payment page's coupon list and the auto-renewal choice (seed 002 §Paying an
 * order). Reads only: the order workflow then freezes the coupon it was given, and
 * the freeze judges the coupon again under its lock, so a choice that went stale
 * meanwhile is refused there, never spent twice.
 *
 * Candidates are the coupons the account may use (its own and those shared with
 * it, activities/ledger/access.ts) that are active at the instant (effective status
 * available or frozen; docs/rules.md "Coupon options"): used, expired and invalid
 * coupons are history, not options.
 */
import {
  chooseRenewalCoupon as chooseByRule,
  compareDrawdownOrder,
  compareRenewalCandidates,
  computeOrderDeduction,
  checkEligibility,
  isActiveAt,
  zero,
  type Coupon,
  type Product,
} from '../../domain';
import type { Database } from '../database';
import { accessibleWhere, resolveAccess, type AccountAccess } from './access';
import { runReadOnly, type Tx } from './operation';
import { orderUsage } from './order-coupons';
import { loadProduct, toDomainCoupon } from './rows';
import type {
  ChooseRenewalCouponInput,
  CouponOption,
  ListCouponOptionsInput,
  RenewalCouponChoice,
} from './types';

/**
 * Every active coupon the account can use, with why it can or cannot pay this
 * order and what it would deduct. Eligible first, best first by the renewal rule
 * (largest deduction, soonest expiry, larger balance, id); then the others by
 * expiry, balance, id.
 */
export async function listCouponOptions(
  db: Database,
  input: ListCouponOptionsInput,
): Promise<CouponOption[]> {
  return runReadOnly(db, async (tx) => {
    const { access, product, coupons } = await loadCandidates(tx, input.accountId, input);
    const judged = coupons.map((coupon) => {
      const reasons = checkEligibility(
        coupon,
        orderUsage(input, product, coupon, access),
        input.at,
      );
      // An ineligible coupon deducts nothing; the order is payable in full.
      const quote =
        reasons.length === 0
          ? computeOrderDeduction(coupon, input.amount)
          : { deduction: zero(input.currency), payable: input.amount };
      return { coupon, reasons, ...quote };
    });
    const eligible = judged.filter((j) => j.reasons.length === 0).sort(compareRenewalCandidates);
    const ineligible = judged
      .filter((j) => j.reasons.length > 0)
      .sort((a, b) => compareDrawdownOrder(a.coupon, b.coupon));
    return [...eligible, ...ineligible].map(({ coupon, reasons, deduction }): CouponOption => ({
      couponId: coupon.id,
      kind: coupon.kind,
      balance: coupon.balance,
      expiresAt: coupon.expiresAt,
      eligible: reasons.length === 0,
      reasons,
      deduction,
    }));
  });
}

/** Auto-renewal: the coupon domain/renewal's rule picks, or null when none can pay. */
export async function chooseRenewalCoupon(
  db: Database,
  input: ChooseRenewalCouponInput,
): Promise<RenewalCouponChoice | null> {
  return runReadOnly(db, async (tx) => {
    const { access, product, coupons } = await loadCandidates(tx, input.accountId, input);
    const choice = chooseByRule(
      coupons,
      {
        accountId: input.accountId,
        product,
        consumptionType: 'subscription',
        amount: input.amount,
        currency: input.currency,
        ...(input.durationMonths !== undefined ? { durationMonths: input.durationMonths } : {}),
        otherOffersApplied: false,
        orderId: input.orderId,
        sharedCouponIds: access.sharedCouponIds,
      },
      input.at,
    );
    return choice
      ? { couponId: choice.coupon.id, deduction: choice.deduction, payable: choice.payable }
      : null;
  });
}

async function loadCandidates(
  tx: Tx,
  accountId: string,
  input: { commodityCode: string; at: string },
): Promise<{ access: AccountAccess; product: Product; coupons: Coupon[] }> {
  const access = await resolveAccess(tx, accountId);
  const product = await loadProduct(tx, input.commodityCode);
  const rows = await tx.coupon.findMany({
    where: { AND: [accessibleWhere(access), { status: { in: ['available', 'frozen'] } }] },
  });
  const coupons = rows.map(toDomainCoupon).filter((c) => isActiveAt(c, input.at));
  return { access, product, coupons };
}
