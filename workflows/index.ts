// Every workflow the worker registers.
export { trialUpgrade } from './trial-upgrade/workflow';
export { promoCodeRedemption } from './trial-upgrade/promo-code';
export { order } from './order/workflow';
export { payAsYouGoBill } from './bill/workflow';
export { couponExpirySweep } from './coupon-expiry/workflow';
