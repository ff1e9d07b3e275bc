import type { Database } from './database';
import { createUpgradeActivities, type UpgradeActivityOptions } from './accounts';
import { createLedgerActivities } from './ledger/activities';
import { createOrderActivities } from './orders/activities';
import { createProvisioningActivities, createProvisioningProvider } from './provisioning';
import type { ProvisioningProvider } from './provisioning/ports';
import type { CodeAttemptLimits } from './ledger/attempts';
import {
  codeAttemptSettingsFromEnv,
  faultSettingsFromEnv,
  orderSettingsFromEnv,
  upgradeSettingsFromEnv,
  type FaultSettings,
} from '../worker/config';
import { createPaymentGateway } from './payment';
import { withGatewayFault, withProvisioningFault } from './faults';
import { createBillActivities } from './bills/activities';

/** Per-area options; every one is optional and defaults to the process environment. */
export interface ActivitiesOptions {
  upgrade?: UpgradeActivityOptions;
  /** A provisioning provider other than the one PROVISIONING_PROVIDER names. */
  provisioning?: ProvisioningProvider;
  /** Injected faults (activities/faults.ts); default PAYMENT_FAULT / PROVISIONING_FAULT. */
  faults?: Partial<FaultSettings>;
  /** Failed code attempts allowed per account; default CODE_ATTEMPT_MAX / CODE_ATTEMPT_WINDOW. */
  codeAttempts?: CodeAttemptLimits;
}

/** Every activity the worker registers, bound to one database. */
export function createActivities(db: Database, options: ActivitiesOptions = {}) {
  const faults = { ...faultSettingsFromEnv(), ...options.faults };
  const gateway = withGatewayFault(
    options.upgrade?.gateway ??
      createPaymentGateway(
        options.upgrade?.settings?.paymentProvider ?? upgradeSettingsFromEnv().paymentProvider,
      ),
    faults.payment,
  );
  return {
    ...createUpgradeActivities(db, { ...options.upgrade, gateway }),
    ...createLedgerActivities(db, options.codeAttempts ?? codeAttemptSettingsFromEnv()),
    ...createOrderActivities(db),
    ...createProvisioningActivities({
      provider: withProvisioningFault(
        options.provisioning ??
          createProvisioningProvider(orderSettingsFromEnv().provisioningProvider),
        faults.provisioning,
      ),
    }),
    ...createBillActivities(db),
  };
}

export type Activities = ReturnType<typeof createActivities>;
