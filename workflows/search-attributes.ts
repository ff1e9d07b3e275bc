import { defineSearchAttributeKey } from '@temporalio/common';

/** Custom search attributes, all Keyword; the dev server registers each at start. */
export const AccountIdKey = defineSearchAttributeKey('AccountId', 'KEYWORD');
export const OrderIdKey = defineSearchAttributeKey('OrderId', 'KEYWORD');
export const BillIdKey = defineSearchAttributeKey('BillId', 'KEYWORD');
export const CouponIdKey = defineSearchAttributeKey('CouponId', 'KEYWORD');
export const BillingStageKey = defineSearchAttributeKey('BillingStage', 'KEYWORD');

export const ENGINE_SEARCH_ATTRIBUTES = [
  AccountIdKey,
  OrderIdKey,
  BillIdKey,
  CouponIdKey,
  BillingStageKey,
] as const;
