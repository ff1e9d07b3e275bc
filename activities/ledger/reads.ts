/**
 * Reads (seed 002 §Coupon list): an account's coupons (own and shared with it)
 * with the seed's filters and paging, a coupon's usage history ("view details"),
 * and an order's or bill's coupon deduction amount. Each read is one snapshot
 * (runReadOnly). Statuses are effective statuses at the listing instant: a coupon
 * past expiry reads expired at once, swept or not.
 *
 * Choices (docs/rules.md "Coupon list"): sorted by expiry (soonest first), then
 * id; keyset paging with an opaque cursor that carries the listing instant, so
 * every page of one listing judges statuses at the same instant; the coupon
 * number filter is exact; a coupon the account may not see is "not found".
 */
import {
  Dec,
  formatAmount,
  isIsoInstant,
  type Amount,
  type CouponStatus,
  type CurrencyCode,
} from '../../domain';
import type { CouponMovement, Prisma } from '../../generated/prisma/client';
import type { Database } from '../database';
import { accessibleWhere, resolveAccess } from './access';
import { runReadOnly } from './operation';
import { targetUse, type Target } from './order-use';
import { LedgerRefusal } from './refusal';
import { amountOf, currencyOf, toCouponView, toDomainCoupon } from './rows';
import type {
  CouponDeductionInput,
  CouponDeductionView,
  CouponHistory,
  CouponHistoryInput,
  CouponMovementView,
  CouponPage,
  ListCouponsInput,
} from './types';

const DEFAULT_LIMIT = 20;

interface Cursor {
  /** The listing instant of the first page. */
  at: string;
  expiresAt: string;
  id: string;
}

export async function listCoupons(db: Database, input: ListCouponsInput): Promise<CouponPage> {
  const cursor = input.cursor !== undefined ? decodeCursor(input.cursor) : null;
  if (cursor && input.at !== undefined && Date.parse(input.at) !== Date.parse(cursor.at)) {
    throw invalidCursor('the cursor belongs to a listing at another instant');
  }
  const at = cursor?.at ?? input.at ?? new Date().toISOString();
  const limit = input.limit ?? DEFAULT_LIMIT;
  return runReadOnly(db, async (tx) => {
    const access = await resolveAccess(tx, input.accountId);
    const filters: Prisma.CouponWhereInput[] = [accessibleWhere(access)];
    if (input.status !== undefined) filters.push(statusWhere(input.status, new Date(at)));
    // Validity window [effectiveAt, expiresAt) overlapping [validFrom, validTo).
    if (input.validTo !== undefined) filters.push({ effectiveAt: { lt: new Date(input.validTo) } });
    if (input.validFrom !== undefined) {
      filters.push({ expiresAt: { gt: new Date(input.validFrom) } });
    }
    if (input.couponNumber !== undefined) filters.push({ couponNumber: input.couponNumber });
    if (cursor) {
      const after = new Date(cursor.expiresAt);
      filters.push({
        OR: [{ expiresAt: { gt: after } }, { expiresAt: after, id: { gt: cursor.id } }],
      });
    }
    const rows = await tx.coupon.findMany({
      where: { AND: filters },
      orderBy: [{ expiresAt: 'asc' }, { id: 'asc' }],
      take: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map((row) => toCouponView(toDomainCoupon(row), input.accountId, at)),
      nextCursor:
        rows.length > limit && last
          ? encodeCursor({ at, expiresAt: last.expiresAt.toISOString(), id: last.id })
          : null,
    };
  });
}

/** Stored rows whose effective status at `at` is `status` (domain/coupon effectiveStatus). */
function statusWhere(status: CouponStatus, at: Date): Prisma.CouponWhereInput {
  const live = { status: { in: ['available', 'frozen'] as CouponStatus[] } };
  switch (status) {
    case 'available':
    case 'frozen':
      return { status, expiresAt: { gt: at }, balance: { gt: 0 } };
    case 'expired':
      return { OR: [{ status: 'expired' }, { ...live, expiresAt: { lte: at } }] };
    case 'used':
      return { OR: [{ status: 'used' }, { ...live, expiresAt: { gt: at }, balance: 0 }] };
    case 'invalid':
      return { status: 'invalid' };
  }
}

/** "View details": the coupon and every movement of it, oldest first. */
export async function couponHistory(
  db: Database,
  input: CouponHistoryInput,
): Promise<CouponHistory> {
  const at = input.at ?? new Date().toISOString();
  return runReadOnly(db, async (tx) => {
    const access = await resolveAccess(tx, input.accountId);
    const row = await tx.coupon.findFirst({
      where: { AND: [{ id: input.couponId }, accessibleWhere(access)] },
      include: { movements: { orderBy: { id: 'asc' } } },
    });
    // Another account's coupon is not revealed: it reads as not found.
    if (!row) {
      throw new LedgerRefusal(
        'coupon_not_found',
        `no coupon ${input.couponId} owned by or shared with account ${input.accountId}`,
        { couponId: input.couponId, accountId: input.accountId },
      );
    }
    const { movements, ...coupon } = row;
    const currency = currencyOf(coupon.currency);
    return {
      coupon: toCouponView(toDomainCoupon(coupon), input.accountId, at),
      movements: movements.map((m) => movementView(m, currency)),
    };
  });
}

function movementView(m: CouponMovement, currency: CurrencyCode): CouponMovementView {
  return {
    couponId: m.couponId,
    kind: m.kind,
    balanceDelta: signedAmount(new Dec(m.balanceDelta.toString()), currency),
    balanceAfter: amountOf(m.balanceAfter, currency),
    statusAfter: m.statusAfter,
    orderId: m.orderId,
    billId: m.billId,
    operationKey: m.operationKey,
    at: m.createdAt.toISOString(),
  };
}

/** A signed amount: "-30.00", "0.00", "30.00". */
function signedAmount(value: Dec, currency: CurrencyCode): Amount {
  const magnitude = formatAmount(value.abs(), currency);
  return value.isNegative() && !value.isZero() ? `-${magnitude}` : magnitude;
}

/** The "coupon deduction amount" of an order or bill: per coupon, deducted and returned. */
export async function couponDeduction(
  db: Database,
  input: CouponDeductionInput,
): Promise<CouponDeductionView> {
  const target: Target =
    input.orderId !== undefined ? { orderId: input.orderId } : { billId: input.billId ?? '' };
  return runReadOnly(db, async (tx) => {
    const uses = await targetUse(tx, target);
    const coupons = await tx.coupon.findMany({
      where: { id: { in: uses.map((u) => u.couponId) } },
      select: { currency: true },
      distinct: ['currency'],
    });
    const currencies = coupons.map((c) => currencyOf(c.currency));
    // One order or bill is in one currency, and coupons only pay in their own.
    if (currencies.length > 1) {
      throw new Error(`coupons of ${currencies.join(', ')} on one order or bill`);
    }
    const currency = currencies[0] ?? null;
    const fmt = (value: Dec): Amount =>
      currency ? formatAmount(value, currency) : value.toString();
    const deducted = uses.reduce((sum, u) => sum.plus(u.use.deducted), new Dec(0));
    const returned = uses.reduce((sum, u) => sum.plus(u.use.returned), new Dec(0));
    return {
      orderId: input.orderId ?? null,
      billId: input.billId ?? null,
      currency,
      deducted: fmt(deducted),
      returned: fmt(returned),
      net: fmt(deducted.minus(returned)),
      coupons: uses.map((u) => ({
        couponId: u.couponId,
        deducted: fmt(u.use.deducted),
        returned: fmt(u.use.returned),
      })),
    };
  });
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.expiresAt, cursor.id])).toString(
    'base64url',
  );
}

function decodeCursor(value: string): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor('not a cursor this listing returned');
  }
  if (
    Array.isArray(parsed) &&
    parsed.length === 3 &&
    parsed.every((p) => typeof p === 'string') &&
    isIsoInstant(parsed[0] as string) &&
    isIsoInstant(parsed[1] as string)
  ) {
    const [at, expiresAt, id] = parsed as [string, string, string];
    return { at, expiresAt, id };
  }
  throw invalidCursor('not a cursor this listing returned');
}

const invalidCursor = (message: string): LedgerRefusal =>
  new LedgerRefusal('invalid_input', `cursor: ${message}`, {
    fields: [{ path: 'cursor', message }],
  });
