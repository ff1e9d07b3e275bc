/**
 * Issue 7: the pure rules of the bill workflow (workflows/bill/state.ts, policy.ts,
 * contracts.ts): how a downward adjustment splits what comes back, the coupon
 * bookkeeping, the stage, the UI details, the input contract and the policy.
 */
import { parseInput } from '../../../domain/contracts';
import { AdjustBillSchema, BillWorkflowInputSchema } from '../../../workflows/bill/contracts';
import type { BillState } from '../../../workflows/bill/messages';
import { DEFAULT_BILL_POLICY, resolveBillPolicy } from '../../../workflows/bill/policy';
import {
  addDraws,
  adjustmentSplit,
  couponDeductionOf,
  describeBill,
  paidStage,
} from '../../../workflows/bill/state';

describe('adjustmentSplit (docs/rules.md: bill adjustment)', () => {
  const split = (reduction: string, coupons: string, arrears: string, funds: string) =>
    adjustmentSplit({
      reduction,
      couponsReturned: coupons,
      arrearsHeld: arrears,
      fundsHeld: funds,
      currency: 'USD',
    });

  test('what coupons do not take back cancels arrears first, then goes back to funds', () => {
    expect(split('30.00', '18.00', '0.00', '40.00')).toEqual({ arrears: '0.00', funds: '12.00' });
    expect(split('30.00', '0.00', '40.00', '10.00')).toEqual({ arrears: '30.00', funds: '0.00' });
    expect(split('15.00', '0.00', '10.00', '10.00')).toEqual({ arrears: '10.00', funds: '5.00' });
  });

  test('never more than the bill holds, never negative', () => {
    expect(split('50.00', '0.00', '5.00', '10.00')).toEqual({ arrears: '5.00', funds: '10.00' });
    expect(split('5.00', '6.00', '5.00', '5.00')).toEqual({ arrears: '0.00', funds: '0.00' });
  });

  test('zero-decimal currency', () => {
    expect(
      adjustmentSplit({
        reduction: '300',
        couponsReturned: '199',
        arrearsHeld: '0',
        fundsHeld: '500',
        currency: 'JPY',
      }),
    ).toEqual({ arrears: '0', funds: '101' });
  });
});

describe('coupon bookkeeping', () => {
  test('draws keep drawdown order and add up per coupon; the deduction is drawn − returned', () => {
    const coupons: BillState['coupons'] = [];
    addDraws(
      coupons,
      [
        { couponId: 'b', amount: '5.00' },
        { couponId: 'a', amount: '3.00' },
      ],
      'USD',
    );
    addDraws(coupons, [{ couponId: 'a', amount: '2.00' }], 'USD');
    expect(coupons).toEqual([
      { couponId: 'b', drawn: '5.00', returned: '0.00' },
      { couponId: 'a', drawn: '5.00', returned: '0.00' },
    ]);
    coupons[0]!.returned = '1.50';
    expect(couponDeductionOf(coupons, 'USD')).toBe('8.50');
  });

  test('a bill with arrears left is in arrears, otherwise settled', () => {
    expect(paidStage('0.00', 'USD')).toBe('settled');
    expect(paidStage('0.01', 'USD')).toBe('arrears');
  });
});

describe('describeBill (current details)', () => {
  const state: BillState = {
    billId: 'b-1',
    accountId: 'a-1',
    commodityCode: 'ecs',
    currency: 'USD',
    stage: 'payment_failed',
    overdue: false,
    billedAt: '2026-11-01T00:00:00.000Z',
    originalAmount: '50.00',
    amount: '45.00',
    couponDeduction: '10.00',
    coupons: [{ couponId: 'c-1', drawn: '10.00', returned: '0.00' }],
    couponsBlockedBy: null,
    fundsPaid: '5.00',
    charged: '0.00',
    arrearsAmount: '0.00',
    outstanding: '30.00',
    paymentFailure: null,
    payments: [],
    adjustments: [],
    rollback: null,
  };

  test('names the amounts, the coupons, what is owed and how to cancel', () => {
    const text = describeBill(state);
    expect(text).toContain('45.00 USD (billed 50.00)');
    expect(text).toContain('c-1 10.00');
    expect(text).toContain('owed: 30.00');
    expect(text).toContain('--name cancelPayment');
  });

  test('says why coupons did not pay', () => {
    expect(
      describeBill({ ...state, stage: 'arrears', couponsBlockedBy: 'outstanding_arrears' }),
    ).toContain('blocked by outstanding arrears');
  });
});

describe('contracts and policy', () => {
  test('the bill input names each bad field, JPY digits included', () => {
    const parsed = parseInput(BillWorkflowInputSchema, {
      billId: 'b 1',
      accountId: 'a-1',
      commodityCode: 'ecs',
      amount: '10.5',
      currency: 'JPY',
      extra: true,
    });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors.map((e) => e.path).sort()).toEqual(['', 'amount', 'billId']);
  });

  test('an adjustment needs a reason and a plain amount', () => {
    const parsed = parseInput(AdjustBillSchema, { adjustedAmount: '-1', reason: '' });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors.map((e) => e.path).sort()).toEqual(['adjustedAmount', 'reason']);
  });

  test('the adjustment window defaults to 90 days and may be overridden', () => {
    expect(resolveBillPolicy(DEFAULT_BILL_POLICY).adjustmentWindowMs).toBe(90 * 86_400_000);
    expect(
      resolveBillPolicy(DEFAULT_BILL_POLICY, { adjustmentWindow: '2 days' }).adjustmentWindowMs,
    ).toBe(2 * 86_400_000);
  });
});
