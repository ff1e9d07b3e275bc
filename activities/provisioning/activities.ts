import { ApplicationFailure, log } from '@temporalio/activity';
import {
  ProvisioningRefusedError,
  ProvisioningUnavailableError,
  type DeprovisionRequest,
  type ProvisionedResource,
  type ProvisionRequest,
  type ProvisioningProvider,
} from './ports';

export interface ProvisioningActivityOptions {
  provider: ProvisioningProvider;
}

/** Outages stay retryable (the workflow's retry policy decides); refusals do not. */
function provisioningFailure(err: unknown): Error {
  if (err instanceof ProvisioningRefusedError) {
    return ApplicationFailure.nonRetryable(err.message, 'provisioning_refused', {
      reason: err.reason,
    });
  }
  if (err instanceof ProvisioningUnavailableError) {
    return ApplicationFailure.retryable(err.message, 'provisioning_unavailable');
  }
  return err instanceof Error ? err : new Error(String(err));
}

export function createProvisioningActivities(options: ProvisioningActivityOptions) {
  const { provider } = options;
  return {
    async provisionOrder(request: ProvisionRequest): Promise<ProvisionedResource> {
      try {
        return await provider.provision(request);
      } catch (err) {
        log.warn('provisioning failed', {
          orderId: request.orderId,
          error: (err as Error).message,
        });
        throw provisioningFailure(err);
      }
    },
    async deprovisionOrder(request: DeprovisionRequest): Promise<void> {
      try {
        await provider.deprovision(request);
      } catch (err) {
        throw provisioningFailure(err);
      }
    },
  };
}

export type ProvisioningActivities = ReturnType<typeof createProvisioningActivities>;
