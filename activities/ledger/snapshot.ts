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
 *      operation's locks in the ledger's lock order (locks.ts), checks what the
 *      decision stood on, and writes the decision (coupon updates, their
 *      movements, the bill's coupon deduction, the Operation) only if the key is
 *      still not done and nothing it stood on changed. It checks one of two ways:
 *      - by default, it reads the whole state again and compares its hash with
 *        the one decided on;
 *      - when the decision names the rows it stands on, by version (Decision's
 *        versions: PostgreSQL's xmin, which every UPDATE renews), it compares
 *        those versions instead, with no second read of the state: the rows it
 *        only reads when the write begins, the rows it writes again in the UPDATE
 *        that writes them (a mismatch there fails the write as a serialization
 *        failure). Only a decision that depends on nothing else may name them
 *        (bills.ts says when a drawdown does). A row it read but neither names nor
 *        writes may then change in between: the operation is then ordered before
 *        that change, as if it had committed first, which is what the locked path
 *        gives too when that change comes a moment later.
 *
 * Steps 1 and 3 go through group commit (group-commit.ts): on a busy worker,
 * the reads of many operations are one statement, and their writes one
 * statement and one commit (ledger_apply_group: each operation in its own
 * subtransaction, so one failing or waiting operation is sent on alone to the
 * careful way below and the others are written).
 *
 * When the state changed in between (a busy coupon), or the decision is a
 * refusal, or it cannot be checked without locks (a drawdown's unlocked read
 * computes no state hash: a drawdown that cannot name its rows' versions is
 * decided under locks), the operation runs again the careful way: in one
 * transaction that takes the locks first (ledger_snapshot with locks), decides
 * on the locked rows, and applies. So a refusal is always judged on locked rows, stores
 * nothing, and a hot coupon's queue does not starve. The guarantees are the
 * ones of runOperation (operation.ts): same key + same request → the stored
 * result; same key + other request → operation_key_reused.
 * SQL: prisma/migrations/20261201000000_ledger_snapshot_operations (and
 * 20261201100000_ledger_freeze_snapshot, 20261201200000_ledger_group_commit,
 * 20261207190000_ledger_drawdown_row_versions).
 */
import { z } from 'zod';
import { COUPON_STATUSES } from '../../domain';
import { CouponKind, Prisma } from '../../generated/prisma/client';
import { sqlSession, type Database, type SqlQuery } from '../database';
import {
  createStatementGroup,
  type StatementGroup,
  type StatementGroupOptions,
  type StatementGroupStats,
} from './group-commit';
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
  /**
   * The rows the decision stands on, by version, when they are all it stands on:
   * the write then checks these rows instead of the whole state read (its hash).
   * Every coupon it writes must be among them.
   */
  versions?: RowVersions;
}

/** Row versions (PostgreSQL's xmin, as text) by id; as ledger_apply takes them (p_changes.versions). */
export interface RowVersions {
  accounts?: Record<string, string>;
  coupons?: Record<string, string>;
  bills?: Record<string, string>;
}

/** Row versions as a state carries them (ledger_drawdown_snapshot): null, no such row. */
export const StateVersionsSchema = z.object({
  account: z.string().nullable(),
  bill: z.string().nullable(),
  coupons: z.record(z.string(), z.string()),
});

const StoredOperationSchema = z.object({
  kind: z.string(),
  requestHash: z.string(),
  result: z.json(),
});

const SnapshotSchema = z.object({
  operation: StoredOperationSchema.nullable(),
  state: z.unknown(),
  /**
   * null: this read carries no hash (a drawdown's unlocked read): only a decision that
   * names its rows' versions is written without locks; any other is decided under locks.
   */
  stateHash: z.string().nullable(),
});
type Snapshot = z.infer<typeof SnapshotSchema>;

const ApplyOutcomeSchema = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('applied') }),
  z.object({ outcome: z.literal('stored'), operation: StoredOperationSchema }),
  z.object({ outcome: z.literal('changed') }),
  // Only in a group: its subtransaction failed (an error, or a lock it waited too long for).
  z.object({ outcome: z.literal('failed'), sqlstate: z.string() }),
]);
type ApplyOutcome = z.infer<typeof ApplyOutcomeSchema>;
const ApplyOutcomesSchema = z.array(ApplyOutcomeSchema);

/** One operation's read, as ledger_snapshot takes it. */
interface SnapshotCall {
  operation: DecidedOperationKind;
  key: string;
  args: Record<string, string>;
}

/** One operation's write, as ledger_apply takes it. */
interface ApplyCall extends SnapshotCall {
  stateHash: string | null;
  requestHash: string;
  result: unknown;
  changes: { coupons: CouponWrite[]; billCouponDeduction?: string; versions?: RowVersions };
}

interface DecidedGroups {
  reads: StatementGroup<SnapshotCall, Snapshot>;
  applies: StatementGroup<ApplyCall, ApplyOutcome>;
  /** Coupons and accounts an optimistic write lost a race on lately: key → until (epoch ms). */
  contended: Map<string, number>;
}

/**
 * How long a coupon or account counts as contended after an optimistic write on it lost a
 * race. Meanwhile its operations are decided under locks at once: on a hot coupon nearly
 * every optimistic write loses (each one in a group changes what the next one decided
 * on), and its read, decision and write are then work the locked path does again.
 */
const CONTENDED_FOR_MS = 1000;
/** Beyond this many contended keys the expired ones are dropped. */
const CONTENDED_PRUNE_AT = 10_000;

/** The keys an operation is known by before it reads: its coupon, its account. */
function scopeOf(args: Record<string, string>): string[] {
  const keys: string[] = [];
  if (args.couponId) keys.push(`coupon:${args.couponId}`);
  if (args.accountId) keys.push(`account:${args.accountId}`);
  return keys;
}

const couponKeys = (coupons: readonly CouponWrite[]): string[] =>
  coupons.map((c) => `coupon:${c.couponId}`);

function isContended(groups: DecidedGroups, keys: readonly string[], now: number): boolean {
  return keys.some((key) => (groups.contended.get(key) ?? 0) > now);
}

function markContended(groups: DecidedGroups, keys: readonly string[], now: number): void {
  if (groups.contended.size > CONTENDED_PRUNE_AT) {
    for (const [key, until] of groups.contended) if (until <= now) groups.contended.delete(key);
  }
  for (const key of keys) groups.contended.set(key, now + CONTENDED_FOR_MS);
}

/** Per database: every operation of a process shares its groups (and its pool). */
const groupsByDatabase = new WeakMap<Database, DecidedGroups>();

// Small groups, two in flight at each step: one group is written while the next is
// read and decided, so PostgreSQL and this process work at the same time (groups of
// 16 moved in lock step, bench/RESULTS.md). Two write groups on one hot coupon wait
// on each other's lock at most until the first commits; the second then decides again.
export const DECIDED_GROUP_LIMITS: StatementGroupOptions = { maxCalls: 8, maxInFlight: 2 };

function groupsOf(db: Database): DecidedGroups {
  let groups = groupsByDatabase.get(db);
  if (!groups) {
    const sql = sqlSession(db);
    groups = {
      reads: createStatementGroup(
        (calls) => readSnapshots(sql.query, calls),
        (call) => readSnapshot(sql.query, call, false),
        DECIDED_GROUP_LIMITS,
      ),
      applies: createStatementGroup(
        (calls) => applyGroup(sql.query, calls),
        // Alone too, so a write waiting on a lock gives up after 100 ms instead of
        // holding every write queued behind it; it is then decided again under locks.
        async (call) => (await applyGroup(sql.query, [call]))[0] ?? noOutcome(call),
        DECIDED_GROUP_LIMITS,
      ),
      contended: new Map(),
    };
    groupsByDatabase.set(db, groups);
  }
  return groups;
}

/** How many statements this database's decided operations took, for tests and the bench. */
export function groupCommitStats(db: Database): {
  reads: StatementGroupStats;
  applies: StatementGroupStats;
} {
  const { reads, applies } = groupsOf(db);
  return { reads: { ...reads.stats }, applies: { ...applies.stats } };
}

export async function runDecidedOperation<S, T>(
  db: Database,
  spec: DecidedOperationSpec<S>,
  decide: (state: S) => Decision<T>,
): Promise<T> {
  const sql = sqlSession(db);
  const groups = groupsOf(db);
  const requestHash = fingerprint(spec.kind, spec.request);
  const call: SnapshotCall = {
    operation: spec.kind,
    key: spec.key,
    args: spec.stateArgs,
  };

  /** What a write's outcome means: the result, or null to decide again under locks. */
  const settled = (outcome: ApplyOutcome, result: T): { result: T } | null => {
    if (outcome.outcome === 'applied') return { result };
    if (outcome.outcome === 'stored') {
      return { result: replay<T>(outcome.operation, spec, requestHash) };
    }
    return null;
  };
  const applyCall = (snapshot: Snapshot, decision: Decision<T>, result: T): ApplyCall => ({
    ...call,
    stateHash: snapshot.stateHash,
    requestHash,
    result,
    changes: changesOf(decision),
  });

  // Optimistic: read, decide, apply if nothing changed. Refusals, and operations on a
  // contended coupon or account, go to the locked path.
  const scope = scopeOf(spec.stateArgs);
  if (!isContended(groups, scope, Date.now())) {
    const first = await withTransientRetry(() => groups.reads.run(call));
    if (first.operation) return replay<T>(first.operation, spec, requestHash);
    const parsed = decideOrNull(decide, spec.stateSchema.parse(first.state));
    // Checkable: by the versions it names, or by the hash of the state it read.
    const decision = parsed?.versions || first.stateHash !== null ? parsed : null;
    const written = decision ? couponKeys(decision.coupons) : [];
    if (decision && !isContended(groups, written, Date.now())) {
      const result = jsonCopy(decision.result);
      const outcome = await withTransientRetry(() =>
        groups.applies.run(applyCall(first, decision, result)),
      );
      const done = settled(outcome, result);
      if (done) return done.result;
      markContended(groups, [...scope, ...written], Date.now());
    }
  }

  // Locked: the rows wait for this decision; a refusal throws and rolls back. BEGIN goes
  // with the locking read and COMMIT with the write: on a hot coupon every operation
  // queues on these locks, so each round trip they are held for is one the queue waits.
  return withTransientRetry(() =>
    sql.pipelinedTransaction(async (tx) => {
      const locked = await readSnapshot(tx.begin, call, true);
      if (locked.operation) return replay<T>(locked.operation, spec, requestHash);
      const lockedDecision = decide(spec.stateSchema.parse(locked.state));
      const result = jsonCopy(lockedDecision.result);
      const done = settled(
        await applyOne(tx.commit, applyCall(locked, lockedDecision, result)),
        result,
      );
      if (done) return done.result;
      // A row it does not lock (a new share, a new bill movement) changed: nothing was
      // written (the empty transaction committed): try again.
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

async function readSnapshot(query: SqlQuery, call: SnapshotCall, lock: boolean): Promise<Snapshot> {
  const rows = await query(
    'SELECT ledger_snapshot($1::text, $2::text, $3::jsonb, $4::boolean) AS "snapshot"',
    [call.operation, call.key, JSON.stringify(call.args), lock],
  );
  return SnapshotSchema.parse(rows[0]?.snapshot);
}

/** Many operations' reads in one statement, answers in call order. */
async function readSnapshots(query: SqlQuery, calls: SnapshotCall[]): Promise<Snapshot[]> {
  const rows = await query(
    `SELECT ledger_snapshot(c->>'operation', c->>'key', c->'args', false) AS "snapshot"
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(c, n) ORDER BY e.n`,
    [JSON.stringify(calls)],
  );
  return rows.map((row) => SnapshotSchema.parse(row.snapshot));
}

/** The decision's writes, as ledger_apply's p_changes. */
function changesOf<T>(decision: Decision<T>): ApplyCall['changes'] {
  return {
    coupons: decision.coupons,
    ...(decision.billCouponDeduction !== undefined
      ? { billCouponDeduction: decision.billCouponDeduction }
      : {}),
    ...(decision.versions !== undefined ? { versions: decision.versions } : {}),
  };
}

async function applyOne(query: SqlQuery, call: ApplyCall): Promise<ApplyOutcome> {
  const rows = await query(
    `SELECT ledger_apply($1::text, $2::text, $3::jsonb, $4::text, $5::text, $6::jsonb, $7::jsonb)
       AS "outcome"`,
    [
      call.operation,
      call.key,
      JSON.stringify(call.args),
      call.stateHash,
      call.requestHash,
      JSON.stringify(call.result),
      JSON.stringify(call.changes),
    ],
  );
  return ApplyOutcomeSchema.parse(rows[0]?.outcome);
}

function noOutcome(call: ApplyCall): never {
  throw new Error(`ledger_apply_group gave no outcome for ${call.operation} ${call.key}`);
}

/** Many operations' writes in one statement and one commit, outcomes in call order. */
async function applyGroup(query: SqlQuery, calls: ApplyCall[]): Promise<ApplyOutcome[]> {
  const rows = await query('SELECT ledger_apply_group($1::jsonb) AS "outcomes"', [
    JSON.stringify(calls),
  ]);
  return ApplyOutcomesSchema.parse(rows[0]?.outcomes);
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
/** A stored instant as to_jsonb writes a timestamp: ISO 8601 without a zone, in UTC. */
const storedInstant = z.iso
  .datetime({ local: true })
  .transform((s) => new Date(s.endsWith('Z') ? s : `${s}Z`));

/** A Coupon row as ledger_coupon_json writes it (decimals as text). */
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
    effectiveAt: storedInstant,
    expiresAt: storedInstant,
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
    createdAt: storedInstant,
    updatedAt: storedInstant,
  })
  .transform((c): CouponRow => ({
    ...c,
    faceValue: new Prisma.Decimal(c.faceValue),
    balance: new Prisma.Decimal(c.balance),
    threshold: c.threshold === null ? null : new Prisma.Decimal(c.threshold),
    discountPercent: c.discountPercent === null ? null : new Prisma.Decimal(c.discountPercent),
    scopeProductCodes: c.scopeProductCodes ?? [],
    orderTypes: c.orderTypes ?? [],
  }));
