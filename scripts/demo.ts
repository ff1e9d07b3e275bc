// `npm run demo`: the engine's whole job in a few minutes, against the engine that
// `npm start` runs (same environment variables). Through the typed client library
// only, it upgrades a trial account, redeems coupon codes of each kind, places
// orders, settles a pay-as-you-go bill and retries a failed payment; then it reads
// the ledgers back and CHECKS them against what the rules say (exit 1 if the engine
// disagrees). Every id is new for each run, so it can run again on the same engine.
import { randomBytes } from 'node:crypto';
import { settleBill, type BillState } from '../client/bills';
import {
  getAccountBalances,
  listAccountCoupons,
  listFundsMovements,
  listPayments,
  type CouponLedger,
} from '../client/statement';
import {
  cancelOrder,
  createOrder,
  getOrderState,
  payOrder,
  retryOrderPayment,
  type OrderStage,
  type OrderState,
} from '../client/orders';
import {
  addFundsWithPromoCode,
  confirmUpgrade,
  createTrialAccount,
  promoCodeWorkflowId,
  submitBillingAddress,
  submitCompanyAddress,
  submitPaymentMethod,
  submitPhone,
  submitPromoCode,
  verifyCode,
  type EngineClientContext,
} from '../client/trial-upgrade';
import { Dec } from '../domain/money';
import { billWorkflowId, orderWorkflowId, trialUpgradeWorkflowId } from '../workflows/ids';
import { ConfigError } from '../worker/config';
import { connectDemoEngine, type DemoEngine } from './demo/engine';
import { createDemoCodes, readDevOutboxCode, type DemoCodes } from './demo/fixtures';
import { Checker, bold, link, say, step, table } from './demo/report';

const EXP_YEAR = new Date().getUTCFullYear() + 2;
const card = (number: string) => ({
  type: 'card' as const,
  number,
  expMonth: 12,
  expYear: EXP_YEAR,
  cvc: '123',
  holderName: 'Ada Lovelace',
});
const CARD_OK = '4242424242424242';
const CARD_DECLINED = '4000000000000002';
const ADDRESS = {
  country: 'US',
  line1: '1 Market St',
  city: 'San Francisco',
  region: 'CA',
  postalCode: '94105',
};

/** Orders move on by themselves after payment (provisioning): wait for where they settle. */
async function orderReaching(
  ctx: EngineClientContext,
  orderId: string,
  stages: OrderStage[],
): Promise<OrderState> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const state = await getOrderState(ctx, orderId);
    if (stages.includes(state.stage)) return state;
    if (Date.now() > deadline) {
      throw new Error(`order ${orderId} is ${state.stage}, never reached ${stages.join(' or ')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Ids {
  run: string;
  accountId: string;
  phone: string;
  orders: {
    threshold: string;
    cancelled: string;
    failCash: string;
    failDiscount: string;
    retried: string;
  };
  billId: string;
}

function newIds(): Ids {
  const run = randomBytes(4).toString('hex');
  const digits = String(parseInt(run, 16) % 10_000_000).padStart(7, '0');
  return {
    run,
    accountId: `demo-${run}`,
    phone: `+1415${digits}`,
    orders: {
      threshold: `demo-${run}-threshold`,
      cancelled: `demo-${run}-cancelled`,
      // The dev provisioning provider refuses orders whose id contains "provision-fail".
      failCash: `demo-${run}-provision-fail-cash`,
      failDiscount: `demo-${run}-provision-fail-discount`,
      retried: `demo-${run}-retried`,
    },
    billId: `demo-${run}-bill`,
  };
}

async function upgrade(engine: DemoEngine, ids: Ids, codes: DemoCodes): Promise<void> {
  const { ctx } = engine;
  const { accountId } = ids;
  step(`Trial account ${accountId} upgrades (seed 000)`);
  await createTrialAccount(ctx, {
    accountId,
    displayName: 'Demo Co.',
    email: `${accountId}@example.com`,
  });
  link('trial upgrade', engine.link(trialUpgradeWorkflowId(accountId)));
  const sent = await submitPhone(ctx, { accountId, phone: ids.phone });
  say(`phone ${ids.phone}: code sent by ${sent.channel}`);
  const code = await readDevOutboxCode(engine.db, ids.phone);
  say(`read the code from the development outbox (npm run dev:outbox -- ${ids.phone})`);
  await verifyCode(ctx, { accountId, code });
  say('phone verified');
  await submitCompanyAddress(ctx, { accountId, address: ADDRESS });
  await submitBillingAddress(ctx, { accountId, sameAsCompany: true });
  say('company address entered; billing address: same as company');
  const pm = await submitPaymentMethod(ctx, { accountId, method: card(CARD_OK) });
  say(`payment method ${JSON.stringify(pm.paymentMethod)} tokenized (nothing charged)`);
  const promo = await submitPromoCode(ctx, { accountId, code: codes.afterUpgrade });
  say(
    `promo code ${codes.afterUpgrade}: ${promo.promoCode.grant} ${promo.promoCode.value}, applies ${promo.promoCode.appliesAt} (it cannot serve the upgrade itself)`,
  );
  const summary = await confirmUpgrade(ctx, { accountId });
  say(
    `"Upgrade Account": ${summary.status}, charged ${String(summary.charged)}, automatic recharge ${String(summary.automaticRechargeEnabled)}, promo applied as ${summary.promoCode?.appliedAs ?? 'nothing'}, funds ${summary.fundsBalance}`,
  );
}

async function redeemCoupons(
  engine: DemoEngine,
  ids: Ids,
  codes: DemoCodes,
): Promise<Record<keyof DemoCodes, string>> {
  step('Coupon codes redeemed: cash, threshold, discount (seed 002 §Getting coupons)');
  const couponIds = {} as Record<keyof DemoCodes, string>;
  for (const key of Object.keys(codes) as (keyof DemoCodes)[]) {
    if (key === 'afterUpgrade') continue;
    const redeemed = await addFundsWithPromoCode(engine.ctx, {
      accountId: ids.accountId,
      code: codes[key],
    });
    if (!redeemed.couponId) throw new Error(`code ${codes[key]} granted no coupon`);
    couponIds[key] = redeemed.couponId;
    say(`${codes[key]} → coupon ${redeemed.couponId}`);
    link('redemption', engine.link(promoCodeWorkflowId(engine.ctx, ids.accountId, codes[key])));
  }
  return couponIds;
}

async function placeOrders(
  engine: DemoEngine,
  ids: Ids,
  coupons: Record<keyof DemoCodes, string>,
): Promise<Record<keyof Ids['orders'], OrderState>> {
  const { ctx } = engine;
  const { accountId } = ids;
  const base = {
    accountId,
    commodityCode: 'ecs',
    orderType: 'new_purchase' as const,
    currency: 'USD' as const,
    durationMonths: 1,
  };
  const show = (orderId: string) => link(`order ${orderId}`, engine.link(orderWorkflowId(orderId)));

  step('Order paid with a threshold coupon (20 off orders of 100 or more)');
  await createOrder(ctx, {
    ...base,
    orderId: ids.orders.threshold,
    amount: '120.00',
    couponId: coupons.threshold,
  });
  const paid = await payOrder(ctx, { orderId: ids.orders.threshold });
  say(`120.00 − ${paid.couponDeduction} coupon = ${paid.payable} charged to the default card`);
  const threshold = await orderReaching(ctx, ids.orders.threshold, ['active']);
  say(`stage ${threshold.stage}, resource ${threshold.resourceId ?? '-'}`);
  show(ids.orders.threshold);

  step('Order cancelled before payment: its coupon comes back');
  const created = await createOrder(ctx, {
    ...base,
    orderId: ids.orders.cancelled,
    amount: '50.00',
    couponId: coupons.cashSubscription,
  });
  say(`coupon ${coupons.cashSubscription} ${created.state.coupon?.state ?? '-'} for the order`);
  const cancelled = await cancelOrder(ctx, {
    orderId: ids.orders.cancelled,
    reason: 'demo: changed my mind',
  });
  say(`stage ${cancelled.stage}; coupon ${cancelled.coupon?.state ?? '-'}`);
  show(ids.orders.cancelled);

  step('Provisioning fails: the cash coupon comes back, the charge is refunded');
  await createOrder(ctx, {
    ...base,
    orderId: ids.orders.failCash,
    amount: '60.00',
    couponId: coupons.cashSubscription,
  });
  await payOrder(ctx, { orderId: ids.orders.failCash });
  const failCash = await orderReaching(ctx, ids.orders.failCash, ['provisioning_failed']);
  say(
    `stage ${failCash.stage} (${failCash.provisioningFailure ?? '-'}); coupon ${failCash.coupon?.state ?? '-'} ${failCash.coupon?.returned?.amount ?? ''}; refunds ${failCash.refunds.map((r) => `${r.amount} ${r.status}`).join(', ')}`,
  );
  show(ids.orders.failCash);

  step('Provisioning fails: the discount coupon does NOT come back, the charge is refunded');
  await createOrder(ctx, {
    ...base,
    orderId: ids.orders.failDiscount,
    amount: '80.00',
    couponId: coupons.discount,
  });
  await payOrder(ctx, { orderId: ids.orders.failDiscount });
  const failDiscount = await orderReaching(ctx, ids.orders.failDiscount, ['provisioning_failed']);
  say(
    `stage ${failDiscount.stage}; coupon ${failDiscount.coupon?.state ?? '-'}; refunds ${failDiscount.refunds.map((r) => `${r.amount} ${r.status}`).join(', ')}`,
  );
  show(ids.orders.failDiscount);

  step('A payment is declined, then retried with another card');
  await createOrder(ctx, { ...base, orderId: ids.orders.retried, amount: '45.00' });
  const declined = await payOrder(ctx, {
    orderId: ids.orders.retried,
    method: card(CARD_DECLINED),
  });
  say(
    `card •••• 0002: ${declined.stage} (${declined.attempt?.reason ?? '-'}) — BillingStage="payment_failed" finds it`,
  );
  link(
    'orders waiting for a billing retry',
    engine.listLink('WorkflowType="order" AND BillingStage="payment_failed"'),
  );
  const retried = await retryOrderPayment(ctx, {
    orderId: ids.orders.retried,
    method: card(CARD_OK),
  });
  say(`retry with card •••• 4242: paid ${String(retried.paid)}`);
  const retriedState = await orderReaching(ctx, ids.orders.retried, ['active']);
  show(ids.orders.retried);

  return {
    threshold,
    cancelled,
    failCash,
    failDiscount,
    retried: retriedState,
  };
}

async function settle(engine: DemoEngine, ids: Ids): Promise<BillState> {
  step('Pay-as-you-go bill of 150.00: cash coupons by soonest expiry, then larger balance');
  const bill = await settleBill(engine.ctx, {
    billId: ids.billId,
    accountId: ids.accountId,
    commodityCode: 'ecs',
    amount: '150.00',
    currency: 'USD',
  });
  for (const c of bill.coupons) say(`drew ${c.drawn} from coupon ${c.couponId}`);
  say(`then ${bill.fundsPaid} from funds; stage ${bill.stage}`);
  link(`bill ${ids.billId}`, engine.link(billWorkflowId(ids.billId)));
  return bill;
}

const movementText = (c: CouponLedger): string =>
  c.movements.map((m) => `${m.kind} ${/^-|^0\.00$/.test(m.delta) ? '' : '+'}${m.delta}`).join(' ');

async function checkLedgers(
  engine: DemoEngine,
  ids: Ids,
  codes: DemoCodes,
  coupons: Record<keyof DemoCodes, string>,
  orders: Record<keyof Ids['orders'], OrderState>,
  bill: BillState,
): Promise<boolean> {
  const { db } = engine;
  const account = await getAccountBalances(db, ids.accountId);
  const couponRows = await listAccountCoupons(db, ids.accountId);
  const funds = await listFundsMovements(db, ids.accountId);
  const payments = await listPayments(db, ids.accountId);

  step(`Balances and ledger movements of ${ids.accountId}`);
  const nameOf = new Map(
    (Object.keys(coupons) as (keyof DemoCodes)[]).map((k) => [coupons[k], codes[k]]),
  );
  table(
    ['coupon (code)', 'kind', 'face', 'balance', 'status', 'movements'],
    couponRows.map((c) => [
      nameOf.get(c.couponId) ?? c.couponId,
      c.kind,
      c.faceValue,
      c.balance,
      c.status,
      movementText(c),
    ]),
  );
  console.log('');
  table(
    ['funds movement', 'delta', 'balance after', 'bill'],
    funds.map((f) => [f.kind, f.delta, f.balanceAfter, f.billId ?? '']),
  );
  console.log('');
  table(
    ['payment', 'amount', 'status', 'order / bill'],
    payments.map((p) => [p.kind, p.amount, p.status, p.orderId ?? p.billId ?? '']),
  );
  console.log('');
  say(
    `account: ${account.status}, funds ${account.fundsBalance}, arrears ${account.arrears}, automatic recharge ${String(account.automaticRechargeEnabled)}`,
  );

  step('Checks: what the rules say the engine must have written');
  const check = new Checker();
  const coupon = (key: keyof DemoCodes) => couponRows.find((c) => c.couponId === coupons[key]);
  const shape = (key: keyof DemoCodes) => {
    const c = coupon(key);
    return c ? { balance: c.balance, status: c.status, movements: movementText(c) } : null;
  };

  check.equal(
    'account status and recharge',
    [account.status, account.automaticRechargeEnabled],
    ['upgraded', false],
  );
  check.equal(
    'funds: promo code credited after the upgrade, bill remainder paid from funds',
    funds.map((f) => [f.kind, f.delta, f.balanceAfter]),
    [
      ['promo_credit', '20.00', '20.00'],
      ['bill_payment', '-10.00', '10.00'],
    ],
  );
  check.equal(
    'funds balance and arrears',
    [account.fundsBalance, account.arrears],
    ['10.00', '0.00'],
  );
  check.equal('six coupons granted by their codes', couponRows.length, 6);
  check.equal('threshold coupon: deducted on the paid order', shape('threshold'), {
    balance: '0.00',
    status: 'used',
    movements: 'redeem +20.00 freeze 0.00 deduct -20.00',
  });
  check.equal(
    'subscription cash coupon: released by the cancel, returned after the failed provisioning',
    shape('cashSubscription'),
    {
      balance: '25.00',
      status: 'available',
      movements: 'redeem +25.00 freeze 0.00 release 0.00 freeze 0.00 deduct -25.00 return +25.00',
    },
  );
  check.equal(
    'discount coupon: used up; the failed provisioning books a return of 0.00 (domain rule: never returned)',
    shape('discount'),
    {
      balance: '0.00',
      status: 'used',
      movements: 'redeem +15.00 freeze 0.00 deduct -15.00 return 0.00',
    },
  );
  for (const key of ['cash50', 'cash30', 'cash60Later'] as const) {
    const c = coupon(key);
    check.equal(`cash coupon ${codes[key]}: drawn whole by the bill`, shape(key), {
      balance: '0.00',
      status: 'used',
      movements: `redeem +${c?.faceValue ?? '?'} deduct -${c?.faceValue ?? '?'}`,
    });
  }
  check.equal(
    'bill drawdown order: same expiry → larger balance first (50, 30), later expiry last (60)',
    bill.coupons.map((c) => [c.couponId, c.drawn]),
    [
      [coupons.cash50, '50.00'],
      [coupons.cash30, '30.00'],
      [coupons.cash60Later, '60.00'],
    ],
  );
  check.equal(
    'bill: 140.00 from coupons, 10.00 from funds, nothing charged',
    [bill.stage, bill.couponDeduction, bill.fundsPaid, bill.charged, bill.arrearsAmount],
    ['settled', '140.00', '10.00', '0.00', '0.00'],
  );
  check.equal(
    'orders: stage, coupon state, payable',
    Object.values(orders).map((o) => [o.stage, o.coupon?.state ?? null, o.payable]),
    [
      ['active', 'deducted', '100.00'],
      ['cancelled', 'released', '25.00'],
      ['provisioning_failed', 'returned', '35.00'],
      ['provisioning_failed', 'not_returned', '72.00'],
      ['active', null, '45.00'],
    ],
  );
  check.equal(
    'payments: charges, the decline, the retry and the refunds of failed provisioning',
    payments.map((p) => [p.kind, p.amount, p.status, p.orderId]),
    [
      ['charge', '100.00', 'succeeded', ids.orders.threshold],
      ['charge', '35.00', 'succeeded', ids.orders.failCash],
      ['refund', '35.00', 'succeeded', ids.orders.failCash],
      ['charge', '72.00', 'succeeded', ids.orders.failDiscount],
      ['refund', '72.00', 'succeeded', ids.orders.failDiscount],
      ['charge', '45.00', 'declined', ids.orders.retried],
      ['charge', '45.00', 'succeeded', ids.orders.retried],
    ],
  );
  // The ledger's invariant: every balance is the sum of its movements.
  const sum = (deltas: string[]) => deltas.reduce((a, d) => a.plus(d), new Dec(0)).toFixed(2);
  check.equal(
    'every coupon balance and the funds balance equal the sums of their movements',
    [...couponRows.map((c) => c.balance), account.fundsBalance],
    [
      ...couponRows.map((c) => sum(c.movements.map((m) => m.delta))),
      sum(funds.map((f) => f.delta)),
    ],
  );
  return check.summary();
}

async function main(): Promise<void> {
  const engine = await connectDemoEngine();
  try {
    const ids = newIds();
    console.log(bold(`Billing engine demo, run ${ids.run} (namespace ${engine.namespace})`));
    const codes = await createDemoCodes(engine.db, ids.run);
    say(`campaign codes of this run written to RedemptionCode (DEMO-${ids.run}-*)`);
    await upgrade(engine, ids, codes);
    const coupons = await redeemCoupons(engine, ids, codes);
    const orders = await placeOrders(engine, ids, coupons);
    const bill = await settle(engine, ids);
    step('Find them all in the Temporal Web UI');
    link(`everything of ${ids.accountId}`, engine.listLink(`AccountId="${ids.accountId}"`));
    link('settled bills', engine.listLink('BillingStage="settled"'));
    link('failed provisionings', engine.listLink('BillingStage="provisioning_failed"'));
    const ok = await checkLedgers(engine, ids, codes, coupons, orders, bill);
    if (!ok) process.exitCode = 1;
  } finally {
    await engine.close();
  }
}

main().catch((err: Error) => {
  console.error(
    err instanceof ConfigError
      ? `error: ${err.message}`
      : `\nDEMO FAILED: ${err.stack ?? err.message}`,
  );
  process.exit(1);
});
