/**
 * The ledger activities an order calls (contract: activities/ledger/types.ts).
 * Types only: nothing of the ledger's implementation enters the workflow bundle.
 */
import type {
  ChooseRenewalCouponInput,
  DeductInput,
  DeductResult,
  FreezeResult,
  OrderCouponInput,
  ReleaseInput,
  ReleaseResult,
  RenewalCouponChoice,
  ReturnCouponInput,
  ReturnCouponResult,
} from '../../activities/ledger/types';

export interface OrderLedgerActivities {
  freezeCouponForOrder(input: OrderCouponInput): Promise<FreezeResult>;
  releaseCoupon(input: ReleaseInput): Promise<ReleaseResult>;
  deductCoupon(input: DeductInput): Promise<DeductResult>;
  returnCoupon(input: ReturnCouponInput): Promise<ReturnCouponResult>;
  /** Auto-renewal: the engine picks the coupon by domain/renewal's rule (null: none fits). */
  chooseRenewalCoupon(input: ChooseRenewalCouponInput): Promise<RenewalCouponChoice | null>;
}
