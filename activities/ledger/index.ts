/** The coupon ledger (issue 5): operations, activities, and the expiry schedule. */
export { createLedgerActivities, type LedgerActivities } from './activities';
export { LedgerRefusal } from './refusal';
export type * from './types';
