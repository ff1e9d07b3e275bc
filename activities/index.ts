import type { Database } from './database';
import { createAccountActivities } from './accounts';

/** Every activity the worker registers, bound to one database. */
export function createActivities(db: Database) {
  return {
    ...createAccountActivities(db),
  };
}

export type Activities = ReturnType<typeof createActivities>;
