/**
 * The ledger activities an order calls (activities/ledger). Types only: nothing
 * of the ledger's implementation enters the workflow bundle.
 */
import type { LedgerActivities } from '../../activities/ledger/activities';

export type OrderLedgerActivities = Pick<
  LedgerActivities,
  'freezeCouponForOrder' | 'releaseCoupon' | 'deductCoupon' | 'returnCoupon' | 'chooseRenewalCoupon'
>;
