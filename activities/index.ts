import type { Database } from './database';
import { createUpgradeActivities, type UpgradeActivityOptions } from './accounts';
import { createLedgerActivities } from './ledger/activities';
import { createBillActivities } from './bills/activities';

/** Per-area options; every one is optional and defaults to the process environment. */
export interface ActivitiesOptions {
  upgrade?: UpgradeActivityOptions;
}

/** Every activity the worker registers, bound to one database. */
export function createActivities(db: Database, options: ActivitiesOptions = {}) {
  return {
    ...createUpgradeActivities(db, options.upgrade),
    ...createLedgerActivities(db),
    ...createBillActivities(db),
  };
}

export type Activities = ReturnType<typeof createActivities>;
