/**
 * What a coupon has given to one order or bill, computed from the ledger alone.
 * Cash coupons: deduct movements lower the balance by exactly the deduction, and
 * return movements raise it by exactly what came back. Single-use coupons
 * (threshold, discount) drop to 0 when used whatever the deduction was, so their
 * deduction is read from the deduct operation's stored result (same operation
 * key as the movement); coming back, they return that whole deduction.
 */
import { Dec } from '../../domain';
import type { CouponMovement } from '../../generated/prisma/client';
import type { Tx } from './operation';
import type { CouponRow } from './rows';

export type Target = { orderId: string } | { billId: string };

export interface CouponUse {
  deducted: Dec;
  returned: Dec;
  /** deducted − returned: the most a return may still give back. */
  outstanding: Dec;
}

export async function couponUse(
  tx: Tx,
  coupon: Pick<CouponRow, 'id' | 'kind'>,
  target: Target,
): Promise<CouponUse> {
  const movements = await tx.couponMovement.findMany({
    where: { couponId: coupon.id, ...target, kind: { in: ['deduct', 'return'] } },
    orderBy: { id: 'asc' },
  });
  return useOf(tx, coupon.kind, movements);
}

/** One deduct or return movement as the tally needs it. */
export interface UseMovement {
  kind: CouponMovement['kind'];
  balanceDelta: Dec;
  /** A single-use coupon's deduct: what its operation recorded it deducted (null: not recorded). */
  recordedDeduction: Dec | null;
}

export async function useOf(
  tx: Tx,
  kind: CouponRow['kind'],
  movements: readonly CouponMovement[],
): Promise<CouponUse> {
  const entries: UseMovement[] = [];
  for (const m of movements) {
    entries.push({
      kind: m.kind,
      balanceDelta: new Dec(m.balanceDelta.toString()),
      recordedDeduction:
        kind !== 'cash' && m.kind === 'deduct' ? await recordedDeduction(tx, m.operationKey) : null,
    });
  }
  return tallyUse(kind, entries);
}

/** The use of one coupon from its movements, oldest first (pure). */
export function tallyUse(kind: CouponRow['kind'], movements: readonly UseMovement[]): CouponUse {
  let deducted = new Dec(0);
  let returned = new Dec(0);
  let outstanding = new Dec(0);
  for (const m of movements) {
    const delta = m.balanceDelta;
    if (m.kind === 'deduct') {
      const amount = kind === 'cash' ? delta.negated() : (m.recordedDeduction ?? delta.negated());
      deducted = deducted.plus(amount);
      outstanding = outstanding.plus(amount);
    } else if (m.kind === 'return' && delta.greaterThan(0)) {
      const amount = kind === 'cash' ? Dec.min(delta, outstanding) : outstanding;
      returned = returned.plus(amount);
      outstanding = outstanding.minus(amount);
    }
  }
  return { deducted, returned, outstanding };
}

// Not booked by deductCoupon (e.g. a fixture): the balance consumed is the best record.
async function recordedDeduction(tx: Tx, operationKey: string): Promise<Dec | null> {
  const op = await tx.operation.findUnique({ where: { key: operationKey } });
  const result = op?.result;
  if (result && typeof result === 'object' && !Array.isArray(result)) {
    const deducted = (result as Record<string, unknown>).deducted;
    if (typeof deducted === 'string') return new Dec(deducted);
  }
  return null;
}

/** deducted − returned over every coupon, from each coupon's movements (pure). */
export function netOfMovements(
  movements: readonly (UseMovement & { couponId: string; couponKind: CouponRow['kind'] })[],
): Dec {
  const byCoupon = new Map<string, { kind: CouponRow['kind']; movements: UseMovement[] }>();
  for (const m of movements) {
    const entry = byCoupon.get(m.couponId) ?? { kind: m.couponKind, movements: [] };
    entry.movements.push(m);
    byCoupon.set(m.couponId, entry);
  }
  let net = new Dec(0);
  for (const { kind, movements: own } of byCoupon.values()) {
    net = net.plus(tallyUse(kind, own).outstanding);
  }
  return net;
}

/** Every coupon's use on one order or bill, in coupon id order (the "coupon deduction amount"). */
export async function targetUse(
  tx: Tx,
  target: Target,
): Promise<{ couponId: string; use: CouponUse }[]> {
  const movements = await tx.couponMovement.findMany({
    where: { ...target, kind: { in: ['deduct', 'return'] } },
    orderBy: { id: 'asc' },
    include: { coupon: { select: { kind: true } } },
  });
  const byCoupon = new Map<string, { kind: CouponRow['kind']; movements: CouponMovement[] }>();
  for (const { coupon, ...movement } of movements) {
    const entry = byCoupon.get(movement.couponId) ?? { kind: coupon.kind, movements: [] };
    entry.movements.push(movement);
    byCoupon.set(movement.couponId, entry);
  }
  const out: { couponId: string; use: CouponUse }[] = [];
  for (const couponId of [...byCoupon.keys()].sort()) {
    const entry = byCoupon.get(couponId);
    if (entry) out.push({ couponId, use: await useOf(tx, entry.kind, entry.movements) });
  }
  return out;
}

/** deducted − returned over every coupon of the order or bill. */
export async function netCouponDeduction(tx: Tx, target: Target): Promise<Dec> {
  const uses = await targetUse(tx, target);
  return uses.reduce((sum, { use }) => sum.plus(use.outstanding), new Dec(0));
}
