/**
 * Development provisioning provider. It creates nothing but answers like a real
 * one: a stable resource id per idempotency key. It can be told to fail through
 * the order id (the way the dev payment gateway uses test card numbers), so tests
 * and demos drive every path without configuration:
 *
 *   order id containing  "provision-fail"   every call is refused for good
 *                                           (capacity_unavailable, not retried)
 *   order id containing  "provision-down"   every call fails as unavailable
 *                                           (retried by policy, then a final failure)
 *   order id containing  "provision-flaky"  the first call per key fails as
 *                                           unavailable, the next succeeds
 *   anything else                           succeeds
 */
import { createHash } from 'node:crypto';
import {
  ProvisioningRefusedError,
  ProvisioningUnavailableError,
  type ProvisioningProvider,
} from './ports';

export const DEV_PROVISIONING_MARKERS = {
  refused: 'provision-fail',
  down: 'provision-down',
  flaky: 'provision-flaky',
} as const;

const digest = (...parts: string[]): string =>
  createHash('sha256').update(parts.join('\u0000')).digest('hex');

export function createDevProvisioningProvider(): ProvisioningProvider {
  // Calls seen per key: "flaky" fails only the first one (per worker process).
  const calls = new Map<string, number>();
  return {
    async provision(request) {
      const seen = (calls.get(request.idempotencyKey) ?? 0) + 1;
      calls.set(request.idempotencyKey, seen);
      if (request.orderId.includes(DEV_PROVISIONING_MARKERS.refused)) {
        throw new ProvisioningRefusedError(
          'capacity_unavailable',
          `dev provider: no capacity for ${request.commodityCode} (order ${request.orderId})`,
        );
      }
      if (request.orderId.includes(DEV_PROVISIONING_MARKERS.down)) {
        throw new ProvisioningUnavailableError('dev provider: simulated outage');
      }
      if (request.orderId.includes(DEV_PROVISIONING_MARKERS.flaky) && seen === 1) {
        throw new ProvisioningUnavailableError('dev provider: simulated transient error');
      }
      return { resourceId: `res_${digest('provision', request.idempotencyKey).slice(0, 24)}` };
    },
    async deprovision() {
      // Nothing was created; removing is always fine.
    },
  };
}
