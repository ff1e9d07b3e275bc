import type { Database } from './database';
import { createUpgradeActivities, type UpgradeActivityOptions } from './accounts';
import { createLedgerActivities } from './ledger/activities';
import { createOrderActivities } from './orders/activities';
import { createProvisioningActivities, createProvisioningProvider } from './provisioning';
import type { ProvisioningProvider } from './provisioning/ports';
import { orderSettingsFromEnv } from '../worker/config';
import { createBillActivities } from './bills/activities';

/** Per-area options; every one is optional and defaults to the process environment. */
export interface ActivitiesOptions {
  upgrade?: UpgradeActivityOptions;
  /** A provisioning provider other than the one PROVISIONING_PROVIDER names. */
  provisioning?: ProvisioningProvider;
}

/** Every activity the worker registers, bound to one database. */
export function createActivities(db: Database, options: ActivitiesOptions = {}) {
  return {
    ...createUpgradeActivities(db, options.upgrade),
    ...createLedgerActivities(db),
    ...createOrderActivities(db),
    ...createProvisioningActivities({
      provider:
        options.provisioning ??
        createProvisioningProvider(orderSettingsFromEnv().provisioningProvider),
    }),
    ...createBillActivities(db),
  };
}

export type Activities = ReturnType<typeof createActivities>;
