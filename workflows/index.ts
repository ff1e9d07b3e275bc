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

/** The workflow `load` returns, loaded by the call (a module loads once per run). */
function loadedOnCall<W extends (...args: never[]) => Promise<unknown>>(load: () => W): W {
  return ((...args: Parameters<W>) => load()(...args)) as W;
}

export const trialUpgrade = loadedOnCall(
  () => (require('./trial-upgrade/workflow') as typeof TrialUpgrade).trialUpgrade,
);
export const promoCodeRedemption = loadedOnCall(
  () => (require('./trial-upgrade/promo-code') as typeof PromoCode).promoCodeRedemption,
);
export const order = loadedOnCall(() => (require('./order/workflow') as typeof Order).order);
export const payAsYouGoBill = loadedOnCall(
  () => (require('./bill/workflow') as typeof Bill).payAsYouGoBill,
);
export const couponExpirySweep = loadedOnCall(
  () => (require('./coupon-expiry/workflow') as typeof CouponExpiry).couponExpirySweep,
);
