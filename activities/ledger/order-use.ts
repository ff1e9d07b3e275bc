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

export async function useOf(
  tx: Tx,
  kind: CouponRow['kind'],
  movements: readonly CouponMovement[],
): Promise<CouponUse> {
  let deducted = new Dec(0);
  let returned = new Dec(0);
  let outstanding = new Dec(0);
  for (const m of movements) {
    const delta = new Dec(m.balanceDelta.toString());
    if (m.kind === 'deduct') {
      const amount = kind === 'cash' ? delta.negated() : await singleUseDeduction(tx, m, delta);
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

async function singleUseDeduction(tx: Tx, movement: CouponMovement, delta: Dec): Promise<Dec> {
  const op = await tx.operation.findUnique({ where: { key: movement.operationKey } });
  const result = op?.result;
  if (result && typeof result === 'object' && !Array.isArray(result)) {
    const deducted = (result as Record<string, unknown>).deducted;
    if (typeof deducted === 'string') return new Dec(deducted);
  }
  // Not booked by deductCoupon (e.g. a fixture): the balance consumed is the best record.
  return delta.negated();
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
