/**
 * The ledger's Temporal activities: one thin function per operation. Each
 * validates its input with zod (a bad one is refused as `invalid_input`, naming
 * the field, before anything is read or written), runs the operation, and turns
 * a LedgerRefusal into a non-retryable ApplicationFailure typed by its code.
 * Database and other infrastructure errors stay retryable. Inputs and results
 * are plain JSON: amounts are decimal strings, instants ISO strings.
 */
import type { z } from 'zod';
import type { Database } from '../database';
import { drawDownBill } from './bills';
import { returnBillPayment, ReturnBillPaymentSchema } from './bill-returns';
import { DEFAULT_CODE_ATTEMPT_LIMITS, type CodeAttemptLimits } from './attempts';
import { checkCode, redeemCode } from './codes';
import { checkLedgerConsistency } from './consistency';
import { expireCoupons, invalidateCoupon } from './expiry';
import { addFunds, clearArrears, payBillFromFunds, recordArrears } from './funds';
import { deductCoupon, freezeCouponForOrder, releaseCoupon } from './order-coupons';
import { chooseRenewalCoupon, listCouponOptions } from './options';
import { parseLedgerInput, toActivityError } from './refusal';
import { couponDeduction, couponHistory, listCoupons } from './reads';
import { returnCoupon } from './returns';
import * as S from './schemas';
import { cancelShare, joinOrganization, leaveOrganization, shareCoupon } from './sharing';

/** Validate, run, translate refusals. */
function edge<I, R>(schema: z.ZodType<I>, run: (input: I) => Promise<R>): (input: I) => Promise<R> {
  return async (input: I): Promise<R> => {
    try {
      return await run(parseLedgerInput(schema, input));
    } catch (err) {
      throw toActivityError(err);
    }
  };
}

export function createLedgerActivities(
  db: Database,
  codeAttempts: CodeAttemptLimits = DEFAULT_CODE_ATTEMPT_LIMITS,
) {
  return {
    checkCode: edge(S.CheckCodeSchema, (i) => checkCode(db, i, codeAttempts)),
    redeemCode: edge(S.RedeemCodeSchema, (i) => redeemCode(db, i, codeAttempts)),
    addFunds: edge(S.AddFundsSchema, (i) => addFunds(db, i)),
    freezeCouponForOrder: edge(S.OrderCouponSchema, (i) => freezeCouponForOrder(db, i)),
    releaseCoupon: edge(S.ReleaseSchema, (i) => releaseCoupon(db, i)),
    deductCoupon: edge(S.DeductSchema, (i) => deductCoupon(db, i)),
    returnCoupon: edge(S.ReturnCouponSchema, (i) => returnCoupon(db, i)),
    drawDownBill: edge(S.DrawDownBillSchema, (i) => drawDownBill(db, i)),
    payBillFromFunds: edge(S.PayFromFundsSchema, (i) => payBillFromFunds(db, i)),
    recordArrears: edge(S.RecordArrearsSchema, (i) => recordArrears(db, i)),
    returnBillPayment: edge(ReturnBillPaymentSchema, (i) => returnBillPayment(db, i)),
    clearArrears: edge(S.ClearArrearsSchema, (i) => clearArrears(db, i)),
    expireCoupons: edge(S.ExpireCouponsSchema, (i) => expireCoupons(db, i)),
    invalidateCoupon: edge(S.InvalidateCouponSchema, (i) => invalidateCoupon(db, i)),
    listCouponOptions: edge(S.ListCouponOptionsSchema, (i) => listCouponOptions(db, i)),
    chooseRenewalCoupon: edge(S.ChooseRenewalCouponSchema, (i) => chooseRenewalCoupon(db, i)),
    shareCoupon: edge(S.ShareCouponSchema, (i) => shareCoupon(db, i)),
    cancelShare: edge(S.CancelShareSchema, (i) => cancelShare(db, i)),
    joinOrganization: edge(S.MembershipSchema, (i) => joinOrganization(db, i)),
    leaveOrganization: edge(S.MembershipSchema, (i) => leaveOrganization(db, i)),
    listCoupons: edge(S.ListCouponsSchema, (i) => listCoupons(db, i)),
    couponHistory: edge(S.CouponHistorySchema, (i) => couponHistory(db, i)),
    couponDeduction: edge(S.CouponDeductionSchema, (i) => couponDeduction(db, i)),
    /** Operations' check: stored balances equal the ledgers' sums. */
    checkLedgerConsistency: async () => checkLedgerConsistency(db),
  };
}

export type LedgerActivities = ReturnType<typeof createLedgerActivities>;
