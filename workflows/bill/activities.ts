/**
 * The activities the bill workflow calls. Types only: nothing of their
 * implementations enters the workflow bundle.
 */
import type { BillActivities } from '../../activities/bills/activities';
import type { LedgerActivities } from '../../activities/ledger/activities';
import type { PaymentActivities } from '../../activities/payment/activities';

export type BillLedgerActivities = Pick<
  LedgerActivities,
  | 'drawDownBill'
  | 'payBillFromFunds'
  | 'recordArrears'
  | 'addFunds'
  | 'returnCoupon'
  | 'returnBillPayment'
>;

export type BillRowActivities = Pick<
  BillActivities,
  'openBill' | 'getBillAccountStatus' | 'recordBill'
>;

export type BillPaymentActivities = Pick<
  PaymentActivities,
  'chargePayment' | 'recordPaymentMethod'
>;
