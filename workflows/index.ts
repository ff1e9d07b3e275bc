/**
 * Every workflow the worker registers. Each workflow's module is loaded when its
 * workflow is first called in a run, not when the run starts: in the SDK's reusable
 * V8 context, every module a run loads is evaluated again for that run, so loading
 * all of them made a trial upgrade build the order's and the bill's schemas too
 * (bench/RESULTS.md). The same functions under the same names, called synchronously:
 * nothing about a run's commands changes.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- loaded on first call, see above */
import type * as Bill from './bill/workflow';
import type * as CouponExpiry from './coupon-expiry/workflow';
import type * as Order from './order/workflow';
import type * as PromoCode from './trial-upgrade/promo-code';
import type * as TrialUpgrade from './trial-upgrade/workflow';

export function trialUpgrade(
  ...args: Parameters<typeof TrialUpgrade.trialUpgrade>
): ReturnType<typeof TrialUpgrade.trialUpgrade> {
  return (require('./trial-upgrade/workflow') as typeof TrialUpgrade).trialUpgrade(...args);
}

export function promoCodeRedemption(
  ...args: Parameters<typeof PromoCode.promoCodeRedemption>
): ReturnType<typeof PromoCode.promoCodeRedemption> {
  return (require('./trial-upgrade/promo-code') as typeof PromoCode).promoCodeRedemption(...args);
}

export function order(...args: Parameters<typeof Order.order>): ReturnType<typeof Order.order> {
  return (require('./order/workflow') as typeof Order).order(...args);
}

export function payAsYouGoBill(
  ...args: Parameters<typeof Bill.payAsYouGoBill>
): ReturnType<typeof Bill.payAsYouGoBill> {
  return (require('./bill/workflow') as typeof Bill).payAsYouGoBill(...args);
}

export function couponExpirySweep(
  ...args: Parameters<typeof CouponExpiry.couponExpirySweep>
): ReturnType<typeof CouponExpiry.couponExpirySweep> {
  return (require('./coupon-expiry/workflow') as typeof CouponExpiry).couponExpirySweep(...args);
}
