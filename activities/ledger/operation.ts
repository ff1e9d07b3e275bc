/**
 * Idempotent operations. Each ledger operation runs in ONE interactive
 * transaction keyed by its operation key:
 *   - the key is locked first (transaction-scoped advisory lock), so two
 *     concurrent calls with one key run one after the other;
 *   - a stored Operation with the same request fingerprint → its stored result
 *     is returned and nothing changes;
 *   - a stored Operation with another fingerprint → `operation_key_reused`;
 *   - otherwise the operation runs and its result is stored in the same commit.
 * A refusal rolls everything back and stores nothing, so a refused key can be
 * used again (the trial upgrade retries a removed promo code under one key).
 * Deadlocks, write conflicts and pool timeouts are retried a few times: the
 * key makes a retry safe even if an earlier attempt did commit.
 * deductCoupon and drawDownBill, the busiest, keep these guarantees in two
 * statements instead (snapshot.ts), under the same key lock and Operation table.
 */
import { createHash } from 'node:crypto';
import { Prisma } from '../../generated/prisma/client';
import { TRANSACTION_OPTIONS, type Database } from '../database';
import { LedgerRefusal } from './refusal';

export type Tx = Prisma.TransactionClient;

export interface OperationSpec {
  key: string;
  /** The operation's name, e.g. 'redeemCode'. */
  kind: string;
  /** The business arguments (without operationKey and the evaluation instant `at`). */
  request: unknown;
}

const MAX_ATTEMPTS = 6;

/** Advisory lock classes: operation keys and orders (one coupon per order). */
export const LOCK_CLASS = { operationKey: 5101, order: 5102 } as const;

export async function runOperation<T>(
  db: Database,
  spec: OperationSpec,
  perform: (tx: Tx) => Promise<T>,
): Promise<T> {
  const requestHash = fingerprint(spec.kind, spec.request);
  return withTransientRetry(async () => {
    try {
      return await db.$transaction(async (tx) => {
        await advisoryLock(tx, LOCK_CLASS.operationKey, spec.key);
        const done = await tx.operation.findUnique({ where: { key: spec.key } });
        if (done) return replay<T>(done, spec, requestHash);
        const result = jsonCopy(await perform(tx));
        await tx.operation.create({
          data: {
            key: spec.key,
            kind: spec.kind,
            requestHash,
            result: result as unknown as Prisma.InputJsonValue,
          },
        });
        return result;
      }, TRANSACTION_OPTIONS);
    } catch (err) {
      // Belt and braces: the advisory lock already serialises one key.
      if (isUniqueViolation(err)) {
        const done = await db.operation.findUnique({ where: { key: spec.key } });
        if (done) return replay<T>(done, spec, requestHash);
      }
      throw err;
    }
  });
}

/** A read-only transaction with the same retry policy (consistent multi-row reads). */
export async function runReadOnly<T>(db: Database, read: (tx: Tx) => Promise<T>): Promise<T> {
  return withTransientRetry(() =>
    db.$transaction(read, {
      ...TRANSACTION_OPTIONS,
      // One snapshot for every query of the read.
      isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead,
    }),
  );
}

export function replay<T>(
  done: { kind: string; requestHash: string; result: unknown },
  spec: OperationSpec,
  requestHash: string,
): T {
  if (done.kind !== spec.kind || done.requestHash !== requestHash) {
    throw new LedgerRefusal(
      'operation_key_reused',
      `operation key ${spec.key} was already used for a different ${done.kind} request`,
      { operationKey: spec.key, storedKind: done.kind },
    );
  }
  return done.result as unknown as T;
}

export async function advisoryLock(tx: Tx, lockClass: number, name: string): Promise<void> {
  await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(${lockClass}::int4, hashtext(${name}))`;
}

/** sha256 of the canonical JSON (sorted keys, undefined dropped) of kind + request. */
export function fingerprint(kind: string, request: unknown): string {
  return createHash('sha256').update(canonicalJson({ kind, request })).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The stored form: the first call returns exactly what a replay will. */
export function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

const isUniqueViolation = (err: unknown): boolean =>
  err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';

/** A conflict worth trying again, raised by the ledger itself (snapshot.ts). */
export class TransientConflict extends Error {
  override readonly name = 'TransientConflict';
}

/** P2034: deadlock (40P01) or serialization failure (40001); P2028: transaction API timeout. */
function isTransient(err: unknown): boolean {
  if (err instanceof TransientConflict) return true;
  if (err instanceof Prisma.PrismaClientKnownRequestError) {
    return err.code === 'P2034' || err.code === 'P2028';
  }
  const message = err instanceof Error ? err.message : '';
  return /\b(40001|40P01)\b|deadlock detected|could not serialize/i.test(message);
}

export async function withTransientRetry<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (n >= MAX_ATTEMPTS || !isTransient(err)) throw err;
      // Jittered backoff so the retried transactions do not collide again.
      await new Promise((resolve) => setTimeout(resolve, 20 * n + Math.random() * 50 * n));
    }
  }
}
