/**
 * One coupon on one order (seed 002 §Paying an order): frozen while the order is
 * unpaid (the balance does not move), deducted at payment, released when the
 * unpaid order is cancelled. A coupon frozen for an order serves only that order.
 */
import {
  effectiveStatus,
  formatAmount,
  isCouponAccessible,
  parseAmount,
  quoteOrder,
  selectCouponForOrder,
  type Coupon,
  type Product,
  type Usage,
} from '../../domain';
import { z } from 'zod';
import type { Database } from '../database';
import type { AccountAccess } from './access';
import { lockCoupons, lockOrder } from './locks';
import { changeCoupon, couponWrite } from './movements';
import { runOperation, type Tx } from './operation';
import { accountNotFound, couponNotFound, LedgerRefusal } from './refusal';
import { CouponRowSchema, ProductRowSchema, runDecidedOperation, type Decision } from './snapshot';
import { loadCoupon, productOf, toDomainCoupon, type CouponRow } from './rows';
import type {
  DeductInput,
  DeductResult,
  FreezeResult,
  ListCouponOptionsInput,
  OrderCouponInput,
  ReleaseInput,
  ReleaseResult,
} from './types';

/** The order as the domain's Usage of this coupon. Orders are subscriptions; bills use drawDownBill. */
export function orderUsage(
  input: ListCouponOptionsInput,
  product: Product,
  coupon: Pick<Coupon, 'id' | 'ownerAccountId'>,
  access: AccountAccess,
): Usage {
  return {
    accountId: input.accountId,
    product,
    orderType: input.orderType,
    consumptionType: 'subscription',
    amount: input.amount,
    currency: input.currency,
    ...(input.durationMonths !== undefined ? { durationMonths: input.durationMonths } : {}),
    otherOffersApplied: input.otherOffersApplied ?? false,
    couponAccessible: isCouponAccessible(coupon, input.accountId, access.sharedCouponIds),
    orderId: input.orderId,
  };
}

const FreezeStateSchema = z.object({
  account: z.object({ id: z.string(), organizationId: z.string().nullable() }).nullable(),
  sharedCouponIds: z.array(z.string()),
  coupon: CouponRowSchema.nullable(),
  /** The other coupons on the order: frozen for it, or already deducted for it. */
  orderCoupons: z.array(CouponRowSchema),
  /** A coupon was already deducted for the order (it was paid with one). */
  paidWithCoupon: z.boolean(),
  product: ProductRowSchema.nullable(),
  /** The deduction quoted by the coupon's latest freeze for the order (null: none recorded). */
  quotedDeduction: z.string().nullable(),
});
type FreezeState = z.infer<typeof FreezeStateSchema>;

/**
 * At order creation (and when the order's terms change): freezes the coupon for
 * the order at its quoted deduction. A decided operation (snapshot.ts): locks the
 * account, the order, then the coupon, so a membership change or a share
 * cancellation cannot slip between the access check and the freeze.
 */
export async function freezeCouponForOrder(
  db: Database,
  input: OrderCouponInput,
): Promise<FreezeResult> {
  const { operationKey, at, ...request } = input;
  return runDecidedOperation(
    db,
    {
      key: operationKey,
      kind: 'freezeCouponForOrder',
      request,
      stateArgs: {
        accountId: input.accountId,
        couponId: input.couponId,
        orderId: input.orderId,
        commodityCode: input.commodityCode,
      },
      stateSchema: FreezeStateSchema,
    },
    (state) => decideFreeze(input, state, at),
  );
}

function decideFreeze(
  input: OrderCouponInput,
  state: FreezeState,
  at: string,
): Decision<FreezeResult> {
  if (!state.account) {
    throw accountNotFound(input.accountId);
  }
  const row = state.coupon;
  if (!row) {
    throw couponNotFound(input.couponId);
  }
  checkOneCouponPerOrder(row, state.orderCoupons, state.paidWithCoupon, input.orderId);
  const product = productOf(state.product, input.commodityCode);
  const coupon = toDomainCoupon(row);
  const access: AccountAccess = {
    accountId: input.accountId,
    organizationId: state.account.organizationId,
    sharedCouponIds: state.sharedCouponIds,
  };
  const quote = quoteOrder(coupon, orderUsage(input, product, coupon, access), at);
  if (!quote.ok) {
    throw new LedgerRefusal(
      'coupon_not_eligible',
      `coupon ${coupon.id} cannot pay order ${input.orderId}: ${quote.reasons.map((r) => r.message).join('; ')}`,
      { couponId: coupon.id, reasons: quote.reasons },
    );
  }
  // Already frozen for this very order (another key asked again): nothing to change,
  // unless the order changed and the quote with it (the latest quote is what deducts).
  const frozenHere = row.status === 'frozen' && row.frozenForOrderId === input.orderId;
  const unchanged = frozenHere && state.quotedDeduction === quote.deduction;
  return {
    result: {
      couponId: coupon.id,
      orderId: input.orderId,
      deduction: quote.deduction,
      payable: quote.payable,
    },
    coupons: unchanged
      ? []
      : [
          couponWrite(row, {
            kind: 'freeze',
            balanceAfter: coupon.balance,
            statusAfter: 'frozen',
            frozenForOrderId: input.orderId,
            orderId: input.orderId,
            note: `quoted deduction ${quote.deduction}, payable ${quote.payable}`,
          }),
        ],
  };
}

/** One coupon per order: no other coupon frozen for it or already booked on it. */
function checkOneCouponPerOrder(
  row: CouponRow,
  others: readonly CouponRow[],
  paid: boolean,
  orderId: string,
): void {
  const chosen = [row, ...others]; // others: never the coupon itself (ledger_freeze_snapshot)
  const selection = selectCouponForOrder(chosen.map(toDomainCoupon));
  if (!selection.ok || paid) {
    throw new LedgerRefusal(
      'order_already_has_coupon',
      selection.ok ? `order ${orderId} was already paid with a coupon` : selection.message,
      { orderId, couponIds: chosen.map((c) => c.id) },
    );
  }
}

export async function releaseCoupon(db: Database, input: ReleaseInput): Promise<ReleaseResult> {
  const { operationKey, at, ...request } = input;
  return runOperation(db, { key: operationKey, kind: 'releaseCoupon', request }, async (tx) => {
    await lockOrder(tx, input.orderId);
    await lockCoupons(tx, [input.couponId]);
    const row = await loadCoupon(tx, input.couponId);
    const coupon = toDomainCoupon(row);
    let statusAfter: Coupon['status'];
    if (row.status === 'frozen' && row.frozenForOrderId === input.orderId) {
      // Released: available again, or expired if its validity ended while frozen.
      statusAfter = effectiveStatus(
        { ...coupon, status: 'available', frozenForOrderId: undefined },
        at,
      );
    } else if (await endedWhileFrozenFor(tx, row.id, input.orderId)) {
      // The sweep (or an invalidation) ended it while frozen: record the order letting go.
      statusAfter = row.status;
    } else {
      throw notFrozenFor(row, input.orderId);
    }
    await changeCoupon(tx, row, {
      kind: 'release',
      balanceAfter: coupon.balance,
      statusAfter,
      frozenForOrderId: null,
      orderId: input.orderId,
      operationKey,
      note: 'unpaid order cancelled: coupon released',
    });
    return { couponId: row.id, orderId: input.orderId, statusAfter, balance: coupon.balance };
  });
}

/** The coupon's last movement expired or invalidated it while it was frozen for the order. */
async function endedWhileFrozenFor(tx: Tx, couponId: string, orderId: string): Promise<boolean> {
  const last = await tx.couponMovement.findFirst({ where: { couponId }, orderBy: { id: 'desc' } });
  return (last?.kind === 'expire' || last?.kind === 'invalidate') && last.orderId === orderId;
}

const notFrozenFor = (row: CouponRow, orderId: string): LedgerRefusal =>
  new LedgerRefusal(
    'coupon_not_frozen_for_order',
    `coupon ${row.id} is not frozen for order ${orderId} (status ${row.status}${row.frozenForOrderId ? ` for order ${row.frozenForOrderId}` : ''})`,
    { couponId: row.id, orderId, status: row.status, frozenForOrderId: row.frozenForOrderId },
  );

const DeductStateSchema = z.object({
  coupon: CouponRowSchema.nullable(),
  /** The deduction quoted by the coupon's latest freeze for the order (null: none recorded). */
  quotedDeduction: z.string().nullable(),
});
type DeductState = z.infer<typeof DeductStateSchema>;

/**
 * At payment: books the quoted deduction. Cash keeps the rest; single-use coupons
 * are used up. A decided operation (snapshot.ts): locks order, then coupon.
 */
export async function deductCoupon(db: Database, input: DeductInput): Promise<DeductResult> {
  const { operationKey, at, ...request } = input;
  return runDecidedOperation(
    db,
    {
      key: operationKey,
      kind: 'deductCoupon',
      request,
      stateArgs: { couponId: input.couponId, orderId: input.orderId },
      stateSchema: DeductStateSchema,
    },
    (state) => decideDeduction(input, state, at),
  );
}

function decideDeduction(
  input: DeductInput,
  state: DeductState,
  at: string,
): Decision<DeductResult> {
  const row = state.coupon;
  if (!row) {
    throw couponNotFound(input.couponId);
  }
  if (!(row.status === 'frozen' && row.frozenForOrderId === input.orderId)) {
    throw notFrozenFor(row, input.orderId);
  }
  const coupon = toDomainCoupon(row);
  if (effectiveStatus(coupon, at) === 'expired') {
    throw new LedgerRefusal(
      'coupon_not_eligible',
      `coupon ${coupon.id} expired at ${coupon.expiresAt}`,
      {
        couponId: coupon.id,
        reasons: [{ code: 'expired', message: `Coupon expired at ${coupon.expiresAt}` }],
      },
    );
  }
  const amount = parseAmount(input.amount, coupon.currency);
  const balance = parseAmount(coupon.balance, coupon.currency);
  if (amount.greaterThan(balance)) {
    throw new LedgerRefusal(
      'insufficient_coupon_balance',
      `coupon ${coupon.id} has ${coupon.balance} left, cannot deduct ${input.amount}`,
      { couponId: coupon.id, balance: coupon.balance },
    );
  }
  const quoted = state.quotedDeduction;
  if (quoted !== null && amount.greaterThan(parseAmount(quoted, coupon.currency))) {
    throw new LedgerRefusal(
      'deduction_exceeds_quote',
      `coupon ${coupon.id} was frozen for order ${input.orderId} to deduct ${quoted}, not ${input.amount}`,
      { couponId: coupon.id, orderId: input.orderId, quoted },
    );
  }
  // Single-use kinds are spent whole, whatever they took off (domain/coupon: "0" once used).
  const after = coupon.kind === 'cash' ? balance.minus(amount) : balance.minus(balance);
  const balanceAfter = formatAmount(after, coupon.currency);
  const statusAfter = effectiveStatus(
    { ...coupon, balance: balanceAfter, status: 'available', frozenForOrderId: undefined },
    at,
  );
  return {
    result: {
      couponId: coupon.id,
      orderId: input.orderId,
      deducted: formatAmount(amount, coupon.currency),
      balanceAfter,
      statusAfter,
    },
    coupons: [
      couponWrite(row, {
        kind: 'deduct',
        balanceAfter,
        statusAfter,
        frozenForOrderId: null,
        orderId: input.orderId,
        note: `deducted ${formatAmount(amount, coupon.currency)} from order ${input.orderId}`,
      }),
    ],
  };
}
