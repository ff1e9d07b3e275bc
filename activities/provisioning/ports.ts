/**
 * The provisioning port: creates (and later removes) the resource a paid order
 * bought. Every call carries an idempotency key, so a retried call never creates
 * two resources. Production providers implement this interface and are chosen
 * with PROVISIONING_PROVIDER.
 */
import type { OrderType } from '../../domain/coupon';

export interface ProvisionRequest {
  orderId: string;
  accountId: string;
  commodityCode: string;
  orderType: Exclude<OrderType, 'payg_bill'>;
  durationMonths?: number;
  /** `<workflowId>:provision`: the same key finds the resource the first call made. */
  idempotencyKey: string;
}

export interface ProvisionedResource {
  resourceId: string;
}

export interface DeprovisionRequest {
  resourceId: string;
  idempotencyKey: string;
}

export interface ProvisioningProvider {
  provision(request: ProvisionRequest): Promise<ProvisionedResource>;
  deprovision(request: DeprovisionRequest): Promise<void>;
}

/** The provider did not answer or failed for now; retrying with the same key is safe. */
export class ProvisioningUnavailableError extends Error {
  override readonly name = 'ProvisioningUnavailableError';
}

/** The provider refused for good (no capacity, quota, bad spec): retrying cannot help. */
export class ProvisioningRefusedError extends Error {
  override readonly name = 'ProvisioningRefusedError';
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}
