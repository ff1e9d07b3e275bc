export * from './ports';
export { createDevProvisioningProvider, DEV_PROVISIONING_MARKERS } from './dev-provider';
export {
  createProvisioningActivities,
  type ProvisioningActivities,
  type ProvisioningActivityOptions,
} from './activities';

import { createDevProvisioningProvider } from './dev-provider';
import type { ProvisioningProvider } from './ports';

/** The provider PROVISIONING_PROVIDER names. */
export function createProvisioningProvider(provider: 'dev'): ProvisioningProvider {
  switch (provider) {
    case 'dev':
      return createDevProvisioningProvider();
  }
}
