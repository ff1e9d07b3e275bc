/**
 * Decided operations: the ledger's busiest operations (freezeCouponForOrder at
 * order creation, deductCoupon at order payment, drawDownBill for every
 * pay-as-you-go bill) in two statements instead of an interactive transaction of
 * a dozen or more queries.
 *
 *   1. ledger_snapshot reads everything the decision needs, and the stored
 *      Operation if the key is done, in ONE statement (one snapshot);
 *   2. the domain decides in TypeScript on that state (domain/ stays the only
 *      judge of balances, eligibility and drawdown order);
 *   3. ledger_apply, in ONE statement (its own transaction), takes the
 *      operation's locks in the ledger's lock order (locks.ts), reads the state
 *      again, and writes the decision (coupon updates, their movements, the
 *      bill's coupon deduction, the Operation) only if the key is still not done
 *      and the state hashes the same as the one decided on.
 *
 * When the state changed in between (a busy coupon), or the decision is a
 * refusal, the operation runs again the careful way: in one transaction that
 * takes the locks first (ledger_snapshot with locks), decides on the locked
 * rows, and applies. So a refusal is always judged on locked rows, stores
 * nothing, and a hot coupon's queue does not starve. The guarantees are the
 * ones of runOperation (operation.ts): same key + same request → the stored
 * result; same key + other request → operation_key_reused.
 * SQL: prisma/migrations/20261201000000_ledger_snapshot_operations (and
 * 20261201100000_ledger_freeze_snapshot).
 */
import { z } from 'zod';
import { COUPON_STATUSES } from '../../domain';
import { CouponKind, Prisma } from '../../generated/prisma/client';
import { sqlSession, type Database, type SqlQuery } from '../database';
import type { CouponWrite } from './movements';
import {
  fingerprint,
  jsonCopy,
  replay,
  TransientConflict,
  withTransientRetry,
  type OperationSpec,
} from './operation';
import { LedgerRefusal } from './refusal';
import type { CouponRow } from './rows';

/** The operations ledger_snapshot knows how to read (its p_operation). */
export type DecidedOperationKind = 'deductCoupon' | 'drawDownBill' | 'freezeCouponForOrder';

export interface DecidedOperationSpec<S> extends OperationSpec {
  kind: DecidedOperationKind;
  /** What ledger_snapshot reads the state by (ids), passed as JSON. */
  stateArgs: Record<string, string>;
  /** The state's JSON, checked and typed. */
  stateSchema: z.ZodType<S>;
}

export interface Decision<T> {
  result: T;
  coupons: CouponWrite[];
  /** Bill.couponDeduction after the writes (the bill row, when it exists). */
  billCouponDeduction?: string;
}

const StoredOperationSchema = z.object({
  kind: z.string(),
  requestHash: z.string(),
  result: z.json(),
});

const SnapshotSchema = z.object({
  operation: StoredOperationSchema.nullable(),
  state: z.unknown(),
  stateHash: z.string(),
});
type Snapshot = z.infer<typeof SnapshotSchema>;

const ApplyOutcomeSchema = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('applied') }),
  z.object({ outcome: z.literal('stored'), operation: StoredOperationSchema }),
  z.object({ outcome: z.literal('changed') }),
]);
type ApplyOutcome = z.infer<typeof ApplyOutcomeSchema>;

export async function runDecidedOperation<S, T>(
  db: Database,
  spec: DecidedOperationSpec<S>,
  decide: (state: S) => Decision<T>,
): Promise<T> {
  const sql = sqlSession(db);
  const requestHash = fingerprint(spec.kind, spec.request);
  const args = JSON.stringify(spec.stateArgs);

  // Optimistic: read, decide, apply if nothing changed. Refusals go to the locked path.
  const first = await withTransientRetry(() =>
    readSnapshot(sql.query, spec.kind, spec.key, args, false),
  );

  /** Writes the decision if the state is still `snapshot`'s; null when it changed. */
  const settle = async (query: SqlQuery, snapshot: Snapshot, decision: Decision<T>) => {
    const result = jsonCopy(decision.result);
    const outcome = await apply(
      query,
      spec.kind,
      spec.key,
      args,
      snapshot.stateHash,
      requestHash,
      result,
      decision,
    );
    if (outcome.outcome === 'applied') return { result };
    if (outcome.outcome === 'stored') {
      return { result: replay<T>(outcome.operation, spec, requestHash) };
    }
    return null;
  };

  if (first.operation) return replay<T>(first.operation, spec, requestHash);
  const decision = decideOrNull(decide, spec.stateSchema.parse(first.state));
  if (decision) {
    const settled = await withTransientRetry(() => settle(sql.query, first, decision));
    if (settled) return settled.result;
  }

  // Locked: the rows wait for this decision; a refusal throws and rolls back.
  return withTransientRetry(() =>
    sql.transaction(async (query) => {
      const locked = await readSnapshot(query, spec.kind, spec.key, args, true);
      if (locked.operation) return replay<T>(locked.operation, spec, requestHash);
      const settled = await settle(query, locked, decide(spec.stateSchema.parse(locked.state)));
      if (settled) return settled.result;
      // A row it does not lock (a new share, a new bill movement) changed: try again.
      throw new TransientConflict(`state of ${spec.kind} ${spec.key} changed under its locks`);
    }),
  );
}

function decideOrNull<S, T>(decide: (state: S) => Decision<T>, state: S): Decision<T> | null {
  try {
    return decide(state);
  } catch (err) {
    if (err instanceof LedgerRefusal) return null;
    throw err;
  }
}

async function readSnapshot(
  query: SqlQuery,
  kind: DecidedOperationKind,
  key: string,
  args: string,
  lock: boolean,
): Promise<Snapshot> {
  const rows = await query(
    'SELECT ledger_snapshot($1::text, $2::text, $3::jsonb, $4::boolean) AS "snapshot"',
    [kind, key, args, lock],
  );
  return SnapshotSchema.parse(rows[0]?.snapshot);
}

async function apply<T>(
  query: SqlQuery,
  kind: DecidedOperationKind,
  key: string,
  args: string,
  stateHash: string,
  requestHash: string,
  result: T,
  decision: Decision<T>,
): Promise<ApplyOutcome> {
  const changes = JSON.stringify({
    coupons: decision.coupons,
    ...(decision.billCouponDeduction !== undefined
      ? { billCouponDeduction: decision.billCouponDeduction }
      : {}),
  });
  const rows = await query(
    `SELECT ledger_apply($1::text, $2::text, $3::jsonb, $4::text, $5::text, $6::jsonb, $7::jsonb)
       AS "outcome"`,
    [kind, key, args, stateHash, requestHash, JSON.stringify(result), changes],
  );
  return ApplyOutcomeSchema.parse(rows[0]?.outcome);
}

/** The Product columns a state carries (the domain's Product, via rows.ts productOf). */
export const ProductRowSchema = z.object({
  productCode: z.string(),
  commodityCode: z.string(),
  channel: z.string(),
  physicalGood: z.boolean(),
  thirdParty: z.boolean(),
  name: z.string(),
});

// --- the state's coupon rows (ledger_coupon_json) ------------------------------

const nullableString = z.string().nullable();
const nullableInt = z.int().nullable();

/** A Coupon row as ledger_coupon_json writes it (decimals as text, instants as ISO). */
export const CouponRowSchema = z
  .object({
    id: z.string(),
    couponNumber: z.string(),
    ownerAccountId: z.string(),
    kind: z.enum(CouponKind),
    currency: z.string(),
    faceValue: z.string(),
    balance: z.string(),
    threshold: nullableString,
    discountPercent: nullableString,
    effectiveAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
    scopeType: z.string(),
    scopeProductCodes: z.array(z.string()).nullable(),
    allProducts: z.boolean(),
    channel: z.string(),
    orderTypes: z.array(z.string()).nullable(),
    consumptionType: z.string(),
    minDurationMonths: nullableInt,
    maxDurationMonths: nullableInt,
    combinable: z.boolean(),
    status: z.enum(COUPON_STATUSES),
    frozenForOrderId: nullableString,
    source: nullableString,
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .transform((c): CouponRow => ({
    ...c,
    faceValue: new Prisma.Decimal(c.faceValue),
    balance: new Prisma.Decimal(c.balance),
    threshold: c.threshold === null ? null : new Prisma.Decimal(c.threshold),
    discountPercent: c.discountPercent === null ? null : new Prisma.Decimal(c.discountPercent),
    effectiveAt: new Date(c.effectiveAt),
    expiresAt: new Date(c.expiresAt),
    scopeProductCodes: c.scopeProductCodes ?? [],
    orderTypes: c.orderTypes ?? [],
    createdAt: new Date(c.createdAt),
    updatedAt: new Date(c.updatedAt),
  }));
