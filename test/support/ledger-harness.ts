/**
 * One database per ledger test file (cloned from the migrated, seeded template),
 * the ledger's activities bound to it, and the ledger check after EVERY test:
 * stored balances must equal the ledgers' sums.
 */
import type { Database } from '../../activities/database';
import { createLedgerActivities, type LedgerActivities } from '../../activities/ledger/activities';
import { checkLedgerConsistency } from '../../activities/ledger/consistency';
import { createTestDatabase } from './integration';

export interface LedgerTestContext {
  db: Database;
  ledger: LedgerActivities;
}

export function useLedgerDatabase(): LedgerTestContext {
  const ctx = {} as LedgerTestContext;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const database = await createTestDatabase();
    ctx.db = database.db;
    ctx.ledger = createLedgerActivities(database.db);
    drop = database.drop;
  });
  afterEach(async () => {
    const report = await checkLedgerConsistency(ctx.db);
    expect(report).toEqual({ ok: true, coupons: [], accounts: [] });
  });
  afterAll(async () => {
    await drop?.();
  });
  return ctx;
}
