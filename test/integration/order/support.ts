/**
 * Order tests: one database, Temporal client and worker per file (the worker runs
 * for the whole file), the ledger check after EVERY test, and builders for paying
 * accounts and coupons valid now.
 */
import type { Worker } from '@temporalio/worker';
import type { Database } from '../../../activities/database';
import { checkLedgerConsistency } from '../../../activities/ledger/consistency';
import {
  createDevPaymentGateway,
  createPaymentActivities,
  DEV_TEST_CARDS,
} from '../../../activities/payment';
import { toOrderRefusal, type OrderRefusal } from '../../../client/orders';
import type { EngineClientContext } from '../../../client/trial-upgrade';
import { createTestEngine, type TestEngine } from '../../support/integration';
import { createAccount, grantCoupon, type CouponFixture } from '../../support/ledger-fixtures';

export interface OrderTestContext {
  engine: TestEngine;
  db: Database;
  ctx: EngineClientContext;
}

export function useOrderEngine(): OrderTestContext {
  const t = {} as OrderTestContext;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  beforeAll(async () => {
    t.engine = await createTestEngine();
    t.db = t.engine.db;
    t.ctx = { client: t.engine.client, taskQueue: t.engine.taskQueue };
    worker = await t.engine.createWorker();
    running = worker.run();
  });
  afterEach(async () => {
    expect(await checkLedgerConsistency(t.db)).toEqual({ ok: true, coupons: [], accounts: [] });
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await t.engine?.close();
  });
  return t;
}

const DAY = 86_400_000;
export const daysFromNow = (days: number): string =>
  new Date(Date.now() + days * DAY).toISOString();

/** A coupon valid from yesterday for 30 days (unless told otherwise). */
export function grantCouponNow(db: Database, fixture: CouponFixture): Promise<string> {
  return grantCoupon(db, { effectiveAt: daysFromNow(-1), expiresAt: daysFromNow(30), ...fixture });
}

/** An upgraded account whose default payment method is a dev test card. */
export async function createPayingAccount(
  db: Database,
  card: string = DEV_TEST_CARDS.success,
): Promise<{ accountId: string; token: string }> {
  const accountId = await createAccount(db, { status: 'upgraded' });
  const gateway = createDevPaymentGateway();
  const method = await gateway.tokenize(
    { type: 'card', number: card, expMonth: 12, expYear: 2035, cvc: '123', holderName: 'Test' },
    `fixture:${accountId}:card`,
  );
  const recorded = await createPaymentActivities(db, { gateway }).recordPaymentMethod({
    accountId,
    method,
    operationKey: `fixture:${accountId}:payment-method`,
  });
  return { accountId, token: recorded.token };
}

/** The coupon's ledger rows, oldest first, as plain values. */
export async function movementsOf(db: Database, couponId: string) {
  const rows = await db.couponMovement.findMany({ where: { couponId }, orderBy: { id: 'asc' } });
  return rows.map((m) => ({
    kind: m.kind,
    balanceDelta: m.balanceDelta.toFixed(2),
    balanceAfter: m.balanceAfter.toFixed(2),
    statusAfter: m.statusAfter,
    orderId: m.orderId,
  }));
}

export async function couponRow(db: Database, couponId: string) {
  const c = await db.coupon.findUniqueOrThrow({ where: { id: couponId } });
  return { status: c.status, balance: c.balance.toFixed(2), frozenForOrderId: c.frozenForOrderId };
}

/** Payment rows of an order (charges and refunds), oldest first. */
export async function paymentsOf(db: Database, orderId: string) {
  const rows = await db.payment.findMany({ where: { orderId }, orderBy: { createdAt: 'asc' } });
  return rows.map((p) => ({
    kind: p.kind,
    amount: p.amount.toFixed(2),
    status: p.status,
    idempotencyKey: p.idempotencyKey,
    failureReason: p.failureReason,
  }));
}

export async function orderRow(db: Database, orderId: string) {
  const o = await db.order.findUniqueOrThrow({ where: { id: orderId } });
  return {
    status: o.status,
    couponId: o.couponId,
    couponDeduction: o.couponDeduction.toFixed(2),
    payable: o.payable.toFixed(2),
    paymentId: o.paymentId,
  };
}

/** Polls `read` until `done` holds (visibility and workflow progress are asynchronous). */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export { DEV_TEST_CARDS };

/** The OrderRefusal a client call threw; fails the test if it succeeded or threw something else. */
export async function refusedWith(promise: Promise<unknown>): Promise<OrderRefusal> {
  try {
    await promise;
  } catch (err) {
    const refused = toOrderRefusal(err);
    if (refused) return refused;
    throw err;
  }
  throw new Error('expected a refusal, but the call succeeded');
}
