/**
 * Test data builders for the coupon ledger (issue 5), for any integration test:
 * accounts (with funds booked through the funds ledger), organizations,
 * redemption codes granting funds or a coupon, coupons granted directly (with
 * their 'redeem' movement, so the ledger check holds), bills and orders.
 * Every id defaults to a fresh unique one; every field can be overridden.
 *
 *   const ledger = createLedgerActivities(db);
 *   const accountId = await createAccount(db, { status: 'upgraded', funds: '20.00' });
 *   const code = await createCouponCode(db, { terms: { kind: 'cash', faceValue: '50.00' } });
 *   const couponId = await grantCoupon(db, { ownerAccountId: accountId, faceValue: '30.00' });
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { ORDER_TYPES, type Coupon, type CouponKind, type CurrencyCode } from '../../domain';
import type { Database } from '../../activities/database';
import { grantCoupon as grantCouponRow } from '../../activities/ledger/codes';
import { moveFunds } from '../../activities/ledger/movements';
import type { CouponTermsInput } from '../../activities/ledger/schemas';
import type { LedgerActivities } from '../../activities/ledger/activities';
import { Dec } from '../../domain';

/** What the freezeCouponForOrder activity takes (its schema's input). */
type OrderCouponInput = Parameters<LedgerActivities['freezeCouponForOrder']>[0];

/** The instant most ledger tests run at. */
export const T0 = '2026-03-01T00:00:00.000Z';
/** `days` after T0 (negative: before), as an ISO instant. */
export const daysAfter = (days: number, from: string = T0): string =>
  new Date(Date.parse(from) + days * 86_400_000).toISOString();

/** A unique id with a readable prefix, valid for every id schema. */
export const uid = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 12)}`;

/** A freezeCouponForOrder request: a new order of 30.00 USD for ecs, under a fresh key. */
export const freezeInput = (
  accountId: string,
  couponId: string,
  over: Partial<OrderCouponInput> = {},
): OrderCouponInput => ({
  accountId,
  couponId,
  orderId: uid('ord'),
  commodityCode: 'ecs',
  orderType: 'new_purchase',
  amount: '30.00',
  currency: 'USD',
  at: T0,
  operationKey: uid('op'),
  ...over,
});

/** A new account's coupon, frozen for a new order of `amount`, and that order's deduction. */
export async function couponFrozenForOrder(
  db: Database,
  ledger: LedgerActivities,
  { faceValue = '100.00', amount = '10.00' }: { faceValue?: string; amount?: string } = {},
): Promise<{
  accountId: string;
  couponId: string;
  orderId: string;
  deduction: Parameters<LedgerActivities['deductCoupon']>[0];
}> {
  const accountId = await createAccount(db);
  const couponId = await grantCoupon(db, { ownerAccountId: accountId, faceValue });
  const orderId = uid('ord');
  await ledger.freezeCouponForOrder(freezeInput(accountId, couponId, { orderId, amount }));
  const deduction = { couponId, orderId, amount, at: T0, operationKey: uid('op') };
  return { accountId, couponId, orderId, deduction };
}

/** A coupon of a new account, shared by an account-list share with one other new account. */
export async function couponSharedWithMember(
  db: Database,
  ledger: LedgerActivities,
): Promise<{ owner: string; member: string; couponId: string; shareId: string }> {
  const owner = await createAccount(db);
  const member = await createAccount(db);
  const couponId = await grantCoupon(db, { ownerAccountId: owner });
  const { shareId } = await ledger.shareCoupon({
    couponId,
    ownerAccountId: owner,
    scope: 'accounts',
    accountIds: [member],
    at: T0,
    operationKey: uid('op'),
  });
  return { owner, member, couponId, shareId };
}

export interface AccountFixture {
  id?: string;
  status?: 'trial' | 'upgraded';
  currency?: CurrencyCode;
  /** Funds booked as a top-up movement, so Account.fundsBalance equals the funds ledger. */
  funds?: string;
  arrears?: string;
  organizationId?: string | null;
}

export async function createAccount(db: Database, fixture: AccountFixture = {}): Promise<string> {
  const id = fixture.id ?? uid('acct');
  await db.account.create({
    data: {
      id,
      displayName: id,
      email: `${id}@example.test`,
      status: fixture.status ?? 'upgraded',
      currency: fixture.currency ?? 'USD',
      arrears: fixture.arrears ?? '0',
      organizationId: fixture.organizationId ?? null,
    },
  });
  if (fixture.funds !== undefined && new Dec(fixture.funds).greaterThan(0)) {
    const funds = fixture.funds;
    await db.$transaction((tx) =>
      moveFunds(tx, id, {
        kind: 'top_up',
        delta: new Dec(funds),
        reference: 'fixture',
        operationKey: `fixture:${id}:funds`,
      }),
    );
  }
  return id;
}

export async function createOrganization(
  db: Database,
  fixture: { id?: string; name?: string } = {},
): Promise<string> {
  const id = fixture.id ?? uid('org');
  await db.organization.create({ data: { id, name: fixture.name ?? id } });
  return id;
}

interface CodeFixtureBase {
  code?: string;
  campaign?: string;
  currency?: CurrencyCode;
  servesTrialUpgrade?: boolean;
  validFrom?: string;
  validUntil?: string;
  maxRedemptions?: number | null;
  redemptionCount?: number;
}

function codeRow(fixture: CodeFixtureBase) {
  return {
    code: fixture.code ?? uid('CODE'),
    campaign: fixture.campaign ?? 'ledger-tests',
    currency: fixture.currency ?? 'USD',
    servesTrialUpgrade: fixture.servesTrialUpgrade ?? true,
    validFrom: new Date(fixture.validFrom ?? '2020-01-01T00:00:00Z'),
    validUntil: new Date(fixture.validUntil ?? '2100-01-01T00:00:00Z'),
    maxRedemptions: fixture.maxRedemptions ?? null,
    redemptionCount: fixture.redemptionCount ?? 0,
  };
}

/** A promo code crediting `amount` of funds. Returns the code. */
export async function createFundsCode(
  db: Database,
  fixture: CodeFixtureBase & { amount?: string } = {},
): Promise<string> {
  const row = codeRow(fixture);
  await db.redemptionCode.create({
    data: { ...row, grant: 'funds', fundsAmount: fixture.amount ?? '10.00' },
  });
  return row.code;
}

/** A coupon code; terms default to a general cash coupon of 100.00 valid 30 days from redemption. */
export async function createCouponCode(
  db: Database,
  fixture: CodeFixtureBase & { terms?: Partial<CouponTermsInput> } = {},
): Promise<string> {
  const row = codeRow(fixture);
  const terms = { kind: 'cash', faceValue: '100.00', validDays: 30, ...fixture.terms };
  await db.redemptionCode.create({ data: { ...row, grant: 'coupon', couponTerms: terms } });
  return row.code;
}

export interface CouponFixture {
  id?: string;
  ownerAccountId: string;
  kind?: CouponKind;
  currency?: CurrencyCode;
  faceValue?: string;
  threshold?: string;
  discountPercent?: string;
  effectiveAt?: string;
  expiresAt?: string;
  scope?: Coupon['scope'];
  allProducts?: boolean;
  channel?: Coupon['channel'];
  orderTypes?: Coupon['orderTypes'];
  consumptionType?: Coupon['consumptionType'];
  minDurationMonths?: number;
  maxDurationMonths?: number;
  combinable?: boolean;
}

/**
 * A coupon granted directly (as a campaign would), with its 'redeem' movement.
 * Defaults: general cash coupon of 100.00, effective 30 days before T0, expiring
 * 30 days after. Threshold coupons default to 20.00 off 100.00, discount to 10 %.
 */
export async function grantCoupon(db: Database, fixture: CouponFixture): Promise<string> {
  const kind = fixture.kind ?? 'cash';
  const faceValue = fixture.faceValue ?? (kind === 'threshold' ? '20.00' : '100.00');
  const coupon: Coupon = {
    id: fixture.id ?? uid('cpn'),
    couponNumber: uid('N').toUpperCase(),
    ownerAccountId: fixture.ownerAccountId,
    kind,
    currency: fixture.currency ?? 'USD',
    faceValue,
    balance: faceValue,
    ...(kind === 'threshold' ? { threshold: fixture.threshold ?? '100.00' } : {}),
    ...(kind === 'discount' ? { discountPercent: fixture.discountPercent ?? '10' } : {}),
    effectiveAt: fixture.effectiveAt ?? daysAfter(-30),
    expiresAt: fixture.expiresAt ?? daysAfter(30),
    scope: fixture.scope ?? { type: 'general' },
    allProducts: fixture.allProducts ?? false,
    channel: fixture.channel ?? 'official',
    orderTypes: fixture.orderTypes ?? [...ORDER_TYPES],
    consumptionType: fixture.consumptionType ?? 'any',
    ...(fixture.minDurationMonths !== undefined
      ? { minDurationMonths: fixture.minDurationMonths }
      : {}),
    ...(fixture.maxDurationMonths !== undefined
      ? { maxDurationMonths: fixture.maxDurationMonths }
      : {}),
    combinable: fixture.combinable ?? true,
    status: 'available',
  };
  await db.$transaction((tx) =>
    grantCouponRow(tx, coupon, 'fixture', `fixture:${coupon.id}:grant`),
  );
  return coupon.id;
}

interface BillFixture {
  id?: string;
  accountId: string;
  commodityCode?: string;
  amount?: string;
  currency?: CurrencyCode;
}

export async function createBill(db: Database, fixture: BillFixture): Promise<string> {
  const [id = ''] = await createBills(db, [fixture]);
  return id;
}

/** Pending Bill rows, as the bill workflow's openBill writes them, in one statement; their ids. */
export async function createBills(db: Database, fixtures: BillFixture[]): Promise<string[]> {
  const rows = fixtures.map((fixture) => ({
    id: fixture.id ?? uid('bill'),
    accountId: fixture.accountId,
    commodityCode: fixture.commodityCode ?? 'ecs',
    amount: fixture.amount ?? '10.00',
    currency: fixture.currency ?? 'USD',
  }));
  await db.bill.createMany({ data: rows });
  return rows.map((row) => row.id);
}

/** The non-retryable ApplicationFailure a ledger activity threw; fails if it resolved. */
export async function refusalOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ApplicationFailure && err.nonRetryable) return err;
    throw err;
  }
  throw new Error('expected a refusal, but the operation succeeded');
}

/** The refusal's details object (the first detail). */
export const detailsOf = (failure: ApplicationFailure): Record<string, unknown> =>
  (failure.details?.[0] ?? {}) as Record<string, unknown>;

/** Row counts of the ledger tables: compare before/after to prove "nothing written". */
export async function ledgerRowCounts(db: Database) {
  const [coupons, couponMovements, fundsMovements, redemptions, operations, shares] =
    await Promise.all([
      db.coupon.count(),
      db.couponMovement.count(),
      db.fundsMovement.count(),
      db.codeRedemption.count(),
      db.operation.count(),
      db.couponShare.count(),
    ]);
  return { coupons, couponMovements, fundsMovements, redemptions, operations, shares };
}
