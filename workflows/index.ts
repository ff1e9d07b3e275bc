// Every workflow the worker registers.
export { trialUpgrade } from './trial-upgrade/workflow';
export { promoCodeRedemption } from './trial-upgrade/promo-code';
export { couponExpirySweep } from './coupon-expiry/workflow';
