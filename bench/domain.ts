/**
 * Issue 10, drawdown and eligibility: the pure rules engine's cost, and how it
 * grows with the number of coupons and the size of a coupon's product scope.
 * No database: this is the decision a workflow or activity makes per bill or
 * per coupon shown on an order page.
 *
 *   npm run bench:domain
 */
import { checkEligibility, drawDownBill, ORDER_TYPES, type Coupon, type Product } from '../domain';
import { percentile, printTable, round, saveRun, type Row } from './lib/report';

const AT = '2026-03-01T00:00:00.000Z';
const PRODUCT: Product = {
  productCode: 'ecs',
  commodityCode: 'ecs',
  channel: 'official',
  physicalGood: false,
  thirdParty: false,
  name: 'Elastic Compute Service',
};

function cashCoupon(i: number, productCodes?: string[]): Coupon {
  return {
    id: `cpn-${String(i).padStart(6, '0')}`,
    couponNumber: `N${i}`,
    ownerAccountId: 'acct-bench',
    kind: 'cash',
    currency: 'USD',
    faceValue: '100.00',
    balance: `${(i % 90) + 10}.00`,
    effectiveAt: '2026-01-01T00:00:00.000Z',
    // Many equal expiries, so the balance and id tie-breaks are exercised too.
    expiresAt: `2026-0${(i % 6) + 4}-01T00:00:00.000Z`,
    scope: productCodes ? { type: 'products', productCodes } : { type: 'general' },
    allProducts: false,
    channel: 'official',
    orderTypes: [...ORDER_TYPES],
    consumptionType: 'any',
    combinable: true,
    status: 'available',
  };
}

/** Median and p99 microseconds per call over `rounds` timed rounds of `perRound` calls. */
function time(perRound: number, rounds: number, fn: () => unknown): { p50: number; p99: number } {
  for (let i = 0; i < perRound * 3; i++) fn(); // warm up the JIT
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < perRound; i++) fn();
    samples.push(((performance.now() - t0) * 1000) / perRound);
  }
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

function main(): void {
  const drawdownRows: Row[] = [];
  for (const count of [10, 50, 200, 1000]) {
    const coupons = Array.from({ length: count }, (_, i) => cashCoupon(i));
    const bill = {
      billId: 'bill-bench',
      accountId: 'acct-bench',
      product: PRODUCT,
      // Large enough to chain through every coupon.
      amount: '1000000.00',
      currency: 'USD' as const,
      overdue: false,
      outstandingArrears: '0',
      sharedCouponIds: [],
    };
    const perRound = Math.max(1, Math.round(2000 / count));
    const t = time(perRound, 30, () => drawDownBill(coupons, bill, AT));
    drawdownRows.push({
      coupons: count,
      'µs per bill p50': round(t.p50),
      'µs per bill p99': round(t.p99),
      'µs per coupon': round(t.p50 / count, 2),
    });
  }

  const eligibilityRows: Row[] = [];
  for (const scopeSize of [0, 10, 100, 1000, 10000]) {
    const codes =
      scopeSize === 0
        ? undefined
        : Array.from({ length: scopeSize }, (_, i) => `prod-${i}`).concat('ecs');
    const coupon = cashCoupon(1, codes);
    const usage = {
      accountId: 'acct-bench',
      product: PRODUCT,
      orderType: 'new_purchase' as const,
      consumptionType: 'subscription' as const,
      amount: '120.00',
      currency: 'USD' as const,
      otherOffersApplied: false,
      couponAccessible: true,
    };
    const t = time(2000, 30, () => checkEligibility(coupon, usage, AT));
    eligibilityRows.push({
      'scope product codes': scopeSize === 0 ? 'general' : scopeSize + 1,
      'µs per check p50': round(t.p50, 2),
      'µs per check p99': round(t.p99, 2),
    });
  }

  printTable('Drawdown: one bill over N cash coupons', drawdownRows);
  printTable(
    'Eligibility: one coupon against one order, by the size of its product scope',
    eligibilityRows,
  );
  void saveRun('domain', { drawdown: drawdownRows, eligibility: eligibilityRows }).then((file) =>
    console.log(`\nresults appended to ${file}`),
  );
}

main();
