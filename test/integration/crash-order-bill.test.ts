/**
 * Issue 9, crash and restart of orders and bills: the worker runs as a separate
 * process and SIGKILLs itself before or after the activity that charges, deducts,
 * provisions, draws coupons down or pays from funds (after = the write committed
 * but Temporal never heard). A new worker takes over. Every workflow completes,
 * and every charge and ledger movement happened exactly once.
 *
 * The scenarios of each group run at once (test/support/crash-scenarios.ts): the
 * group takes about one activity timeout (30 s; 60 s for provisioning).
 */
import {
  getOrderResult,
  getOrderState,
  payOrder,
  unsubscribeOrder,
  createOrder,
} from '../../client/orders';
import { settleBill, startBill } from '../../client/bills';
import { checkLedgerConsistency } from '../../activities/ledger/consistency';
import { createTestEngine, type TestEngine } from '../support/integration';
import { crashHarness, runAll } from '../support/crash-scenarios';
import { uid } from '../support/ledger-fixtures';
import {
  couponRow,
  createPayingAccount,
  eventually,
  grantCouponNow,
  movementsOf,
  orderRow,
  paymentsOf,
} from './order/support';
import {
  accountRow,
  billAccount,
  billRow,
  cashCoupon,
  couponMovementsOf,
  DEV_TEST_CARDS,
  fundsMovementsOf,
  paymentsOf as accountPaymentsOf,
} from './bill/support';

jest.setTimeout(240_000);

let engine: TestEngine;
const harness = crashHarness(() => engine);
beforeAll(async () => {
  engine = await createTestEngine();
});
afterEach(async () => {
  await harness.stopAll();
  expect(await checkLedgerConsistency(engine.db)).toEqual({ ok: true, coupons: [], accounts: [] });
});
afterAll(async () => {
  await engine?.close();
});

/** An order of 50.00 with a 10.00 coupon, paid (40.00 charged) while the worker dies at `crashAt`. */
async function orderScenario(crashAt: string): Promise<void> {
  const run = await harness.start(crashAt);
  const { accountId } = await createPayingAccount(engine.db);
  const couponId = await grantCouponNow(engine.db, {
    ownerAccountId: accountId,
    faceValue: '10.00',
  });
  const orderId = uid('ord-crash');
  await createOrder(run.ctx, {
    orderId,
    accountId,
    commodityCode: 'ecs',
    orderType: 'new_purchase',
    amount: '50.00',
    currency: 'USD',
    durationMonths: 1,
    couponId,
  });
  const paying = payOrder(run.ctx, { orderId });
  await run.tookOver;
  expect(await paying).toMatchObject({ paid: true, payable: '40.00', couponDeduction: '10.00' });
  const active = await eventually(
    () => getOrderState(run.ctx, orderId),
    (s) => s.stage === 'active',
    90_000,
  );
  expect(active).toMatchObject({ stage: 'active', status: 'provisioned' });
  expect(active.resourceId).toMatch(/^res_/);

  // Exactly once: one charge, one deduction, the coupon used, the row provisioned.
  const payments = await paymentsOf(engine.db, orderId);
  expect(payments).toEqual([
    expect.objectContaining({ kind: 'charge', amount: '40.00', status: 'succeeded' }),
  ]);
  expect((await movementsOf(engine.db, couponId)).map((m) => m.kind)).toEqual([
    'redeem',
    'freeze',
    'deduct',
  ]);
  expect(await couponRow(engine.db, couponId)).toMatchObject({ status: 'used', balance: '0.00' });
  expect(await orderRow(engine.db, orderId)).toMatchObject({
    status: 'provisioned',
    payable: '40.00',
    couponDeduction: '10.00',
  });

  // The workflow runs to its end on the new worker.
  await unsubscribeOrder(run.ctx, { orderId, reason: 'crash test done' });
  expect((await getOrderResult(run.ctx, orderId)).outcome).toBe('unsubscribed');
  expect((await movementsOf(engine.db, couponId)).filter((m) => m.kind === 'deduct')).toHaveLength(
    1,
  );
  expect((await paymentsOf(engine.db, orderId)).filter((p) => p.kind === 'charge')).toHaveLength(1);
}

/**
 * A bill of 100.00: a 30.00 cash coupon, 20.00 of funds, the 50.00 rest by
 * automatic recharge (charge, recharge into funds, pay from funds).
 */
async function billScenario(crashAt: string): Promise<void> {
  const run = await harness.start(crashAt);
  const accountId = await billAccount(engine.db, {
    funds: '20.00',
    automaticRecharge: true,
    cardNumber: DEV_TEST_CARDS.success,
  });
  const couponId = await cashCoupon(engine.db, accountId, '30.00', 30);
  const billId = uid('bill-crash');
  const input = {
    billId,
    accountId,
    commodityCode: 'ecs',
    amount: '100.00',
    currency: 'USD' as const,
    policy: { adjustmentWindow: '1s' },
  };
  const { handle } = await startBill(run.ctx, input);
  const settling = settleBill(run.ctx, input);
  await run.tookOver;
  const settled = await settling;
  expect(settled).toMatchObject({
    couponDeduction: '30.00',
    fundsPaid: '70.00',
    charged: '50.00',
    arrearsAmount: '0.00',
  });
  const final = await handle.result();
  expect(final.stage).toBe('settled');

  expect(await couponMovementsOf(engine.db, billId)).toEqual([
    expect.objectContaining({ couponId, kind: 'deduct', balanceDelta: '-30.00' }),
  ]);
  const funds = await fundsMovementsOf(engine.db, accountId);
  expect(funds.map((m) => [m.kind, m.amountDelta])).toEqual([
    ['top_up', '20.00'], // the fixture's funds
    ['bill_payment', '-20.00'],
    ['recharge', '50.00'],
    ['bill_payment', '-50.00'],
  ]);
  expect(await accountPaymentsOf(engine.db, accountId)).toEqual([
    expect.objectContaining({ kind: 'charge', amount: '50.00', status: 'succeeded', billId }),
  ]);
  expect(await accountRow(engine.db, accountId)).toEqual({ fundsBalance: '0.00', arrears: '0.00' });
  expect(await billRow(engine.db, billId)).toMatchObject({
    status: 'settled',
    couponDeduction: '30.00',
    fundsPaid: '70.00',
    charged: '50.00',
  });
}

// Orders and bills at once: the file takes about the longest timeout (provisioning's 60 s).
test('worker killed around the charge, deduction, provisioning, drawdown, funds payment and recharge: each workflow completes, everything once', async () => {
  await runAll({
    'order chargePayment:before': () => orderScenario('chargePayment:before'),
    'order chargePayment:after': () => orderScenario('chargePayment:after'),
    'order deductCoupon:after': () => orderScenario('deductCoupon:after'),
    'order provisionOrder:after': () => orderScenario('provisionOrder:after'),
    'bill drawDownBill:before': () => billScenario('drawDownBill:before'),
    'bill drawDownBill:after': () => billScenario('drawDownBill:after'),
    'bill payBillFromFunds:after': () => billScenario('payBillFromFunds:after'),
    'bill chargePayment:after': () => billScenario('chargePayment:after'),
    'bill addFunds:after': () => billScenario('addFunds:after'),
  });
});
