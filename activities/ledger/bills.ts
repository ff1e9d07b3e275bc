/**
 * Pay-as-you-go bills (seed 002 §Pay-as-you-go bills): the domain's drawDownBill
 * picks and chains the account's accessible cash coupons (own and shared); each
 * draw is one 'deduct' movement with the bill id. The domain decides on one
 * snapshot of the account, its coupons and the bill. The decision is written only
 * if the rows it stands on are unchanged (standingOn names them, when it can),
 * else it is decided again on the locked rows; one that cannot name them is
 * decided on locked rows at once (snapshot.ts). So concurrent bills drawing on
 * the same coupon each see what the previous one left. A bill is
 * covered once: coupons draw at most the bill amount (the Bill row's, when it
 * exists) less what they already cover for it (an earlier drawdown under another
 * key), so no value is drawn twice; an upward adjustment raises the row first.
 */
import {
  Dec,
  drawDownBill as drawDown,
  effectiveStatus,
  formatAmount,
  parseAmount,
  zero,
} from '../../domain';
import { z } from 'zod';
import { CouponKind, CouponMovementKind } from '../../generated/prisma/client';
import type { Database } from '../database';
import { couponWrite, type CouponWrite } from './movements';
import type { Tx } from './operation';
import { netCouponDeduction, netOfMovements } from './order-use';
import { accountNotFound } from './refusal';
import { amountRoundedUp, productOf, toDomainCoupon } from './rows';
import {
  CouponRowSchema,
  ProductRowSchema,
  runDecidedOperation,
  StateVersionsSchema,
  type Decision,
  type RowVersions,
} from './snapshot';
import type { BillDrawdownResult, DrawDownBillInput } from './types';

const DrawdownStateSchema = z.object({
  account: z
    .object({ id: z.string(), organizationId: z.string().nullable(), arrears: z.string() })
    .nullable(),
  sharedCouponIds: z.array(z.string()),
  /** The candidate coupons (active when locked) still accessible, by id. */
  coupons: z.array(CouponRowSchema),
  product: ProductRowSchema.nullable(),
  /** The stored Bill row's amount (null: no row yet). */
  billAmount: z.string().nullable(),
  /** Deduct and return movements already booked for the bill, oldest first. */
  billMovements: z.array(
    z.object({
      couponId: z.string(),
      couponKind: z.enum(CouponKind),
      kind: z.enum(CouponMovementKind),
      balanceDelta: z.string(),
      deducted: z.string().nullable(),
    }),
  ),
  versions: StateVersionsSchema,
});
type DrawdownState = z.infer<typeof DrawdownStateSchema>;

/** A decided operation (snapshot.ts): locks the account, then its candidate coupons by id. */
export async function drawDownBill(
  db: Database,
  input: DrawDownBillInput,
): Promise<BillDrawdownResult> {
  const { operationKey, at, ...request } = input;
  return runDecidedOperation(
    db,
    {
      key: operationKey,
      kind: 'drawDownBill',
      request,
      stateArgs: {
        accountId: input.accountId,
        billId: input.billId,
        commodityCode: input.commodityCode,
      },
      stateSchema: DrawdownStateSchema,
    },
    (state) => decideDrawdown(input, state, at),
  );
}

function decideDrawdown(
  input: DrawDownBillInput,
  state: DrawdownState,
  at: string,
): Decision<BillDrawdownResult> {
  const { account } = state;
  if (!account) {
    throw accountNotFound(input.accountId);
  }
  const product = productOf(state.product, input.commodityCode);
  const byId = new Map(state.coupons.map((r) => [r.id, r]));

  // One bill is covered once: an earlier drawdown of it (under another key) counts.
  // The bill's amount is its stored row's when there is one (an upward adjustment
  // raises it, then settles the difference); otherwise the requested amount.
  const booked = state.billMovements.map((m) => ({
    couponId: m.couponId,
    couponKind: m.couponKind,
    kind: m.kind,
    balanceDelta: new Dec(m.balanceDelta),
    recordedDeduction: m.deducted === null ? null : new Dec(m.deducted),
  }));
  const covered = netOfMovements(booked);
  const requested = parseAmount(input.amount, input.currency);
  const billAmount = state.billAmount !== null ? new Dec(state.billAmount) : requested;
  const owed = Dec.max(Dec.min(requested, billAmount.minus(covered)), 0);
  if (owed.isZero()) {
    return {
      result: {
        billId: input.billId,
        draws: [],
        couponDeduction: zero(input.currency),
        remainder: zero(input.currency),
        blockedBy: null,
      },
      coupons: [],
      ...standingOn(input, state, []),
    };
  }

  const arrears = new Dec(account.arrears);
  const offered = new Map(state.coupons.map((row) => [row.id, toDomainCoupon(row)]));
  const drawdown = drawDown(
    [...offered.values()],
    {
      billId: input.billId,
      accountId: input.accountId,
      product,
      amount: formatAmount(owed, input.currency),
      currency: input.currency,
      overdue: input.overdue,
      outstandingArrears: arrears.isZero()
        ? zero(input.currency)
        : amountRoundedUp(arrears, input.currency),
      sharedCouponIds: state.sharedCouponIds,
    },
    at,
  );
  const coupons = drawdown.draws.map((draw) => {
    const row = byId.get(draw.couponId);
    const coupon = offered.get(draw.couponId);
    if (!row || !coupon) {
      throw new Error(`drawdown named coupon ${draw.couponId} that was not offered`);
    }
    return couponWrite(row, {
      kind: 'deduct',
      balanceAfter: draw.balanceAfter,
      statusAfter: effectiveStatus({ ...coupon, balance: draw.balanceAfter }, at),
      frozenForOrderId: null,
      billId: input.billId,
      note: `drew ${draw.amount} for bill ${input.billId}`,
    });
  });
  // Bill.couponDeduction: what its coupons took, net of what came back (as syncBillCouponDeduction).
  const billCouponDeduction =
    coupons.length > 0
      ? netOfMovements([
          ...booked,
          ...coupons.map((w) => ({
            couponId: w.couponId,
            couponKind: byId.get(w.couponId)?.kind ?? 'cash',
            kind: w.kind,
            balanceDelta: new Dec(w.balanceDelta),
            recordedDeduction: null,
          })),
        ]).toString()
      : undefined;
  return {
    result: {
      billId: drawdown.billId,
      draws: drawdown.draws,
      couponDeduction: drawdown.couponDeduction,
      remainder: drawdown.remainder,
      blockedBy: drawdown.blockedBy,
    },
    coupons,
    ...(billCouponDeduction !== undefined ? { billCouponDeduction } : {}),
    ...standingOn(input, state, coupons),
  };
}

/**
 * The rows a drawdown stands on, by version, when they are all it stands on (snapshot.ts):
 * the account (its arrears), the Bill row (its amount; every coupon movement for a bill
 * also updates its row, so the row's version covers what coupons already drew for it),
 * and each coupon drawn. A coupon it read but did not draw may change in between (a
 * grant, a return, a freeze): the drawdown is then ordered before that change, as if it
 * had committed first, and draws what the rules chose on its read. Without a Bill row,
 * what is drawn for the bill is only in its movements, and a shared coupon's access is
 * in a share row: then it names none, and is decided under locks.
 */
function standingOn(
  input: DrawDownBillInput,
  state: DrawdownState,
  coupons: readonly CouponWrite[],
): { versions?: RowVersions } {
  const { account, bill } = state.versions;
  const ownCoupon = new Set(
    state.coupons.filter((c) => c.ownerAccountId === input.accountId).map((c) => c.id),
  );
  if (account === null || bill === null || !coupons.every((c) => ownCoupon.has(c.couponId))) {
    return {};
  }
  const drawn: Record<string, string> = {};
  for (const { couponId } of coupons) {
    const version = state.versions.coupons[couponId];
    if (version === undefined) return {};
    drawn[couponId] = version;
  }
  return {
    versions: {
      accounts: { [input.accountId]: account },
      bills: { [input.billId]: bill },
      coupons: drawn,
    },
  };
}

/**
 * Bill.couponDeduction, when the bill row exists: what its coupons took, net of
 * what came back (returns call this too).
 */
export async function syncBillCouponDeduction(tx: Tx, billId: string): Promise<void> {
  const net = await netCouponDeduction(tx, { billId });
  await tx.bill.updateMany({ where: { id: billId }, data: { couponDeduction: net.toString() } });
}
