/**
 * Faults injected into the payment gateway and the provisioning provider by
 * configuration (issue 9): the port fails, times out or answers slowly, so demos
 * and tests drive the workflows' retry policies and compensations without a
 * misbehaving real service. Off unless PAYMENT_FAULT / PROVISIONING_FAULT is set
 * (worker/config.ts) or a test passes `faults` to createActivities.
 *
 *   fail     every call fails as an outage (retryable)
 *   timeout  every call waits `delayMs`, then fails as timed out (retryable:
 *            a client-side request timeout, outcome unknown)
 *   slow     every call waits `delayMs`, then answers normally
 *
 * `count` limits a failing fault to the first `count` calls of this process;
 * later calls go through (an outage that ends).
 */
import type { PaymentGateway } from './payment/ports';
import { GatewayUnavailableError } from './payment/ports';
import type { ProvisioningProvider } from './provisioning/ports';
import { ProvisioningUnavailableError } from './provisioning/ports';

export type FaultMode = 'none' | 'fail' | 'timeout' | 'slow';

export interface Fault {
  mode: FaultMode;
  /** How long `timeout` and `slow` wait (ms). */
  delayMs: number;
  /** fail / timeout: only the first `count` calls; undefined = every call. */
  count?: number;
}

export const NO_FAULT: Fault = { mode: 'none', delayMs: 0 };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One fault's state: how many calls it has hit; `apply` runs before every call. */
function faultGate(fault: Fault, outage: (message: string) => Error) {
  let calls = 0;
  return async (): Promise<void> => {
    if (fault.mode === 'none') return;
    if (fault.mode === 'slow') {
      await sleep(fault.delayMs);
      return;
    }
    calls++;
    if (fault.count !== undefined && calls > fault.count) return;
    if (fault.mode === 'timeout') {
      await sleep(fault.delayMs);
      throw outage(`injected fault: no answer within ${fault.delayMs} ms (call ${calls})`);
    }
    throw outage(`injected fault: unavailable (call ${calls})`);
  };
}

/** The gateway with `fault` on charge and refund (tokenize runs in the client, untouched). */
export function withGatewayFault(gateway: PaymentGateway, fault: Fault): PaymentGateway {
  if (fault.mode === 'none') return gateway;
  const gate = faultGate(fault, (m) => new GatewayUnavailableError(`payment gateway ${m}`));
  return {
    tokenize: (method, key) => gateway.tokenize(method, key),
    charge: async (request) => {
      await gate();
      return gateway.charge(request);
    },
    refund: async (request) => {
      await gate();
      return gateway.refund(request);
    },
  };
}

/** The provider with `fault` on provision (deprovision, a compensation, is left alone). */
export function withProvisioningFault(
  provider: ProvisioningProvider,
  fault: Fault,
): ProvisioningProvider {
  if (fault.mode === 'none') return provider;
  const gate = faultGate(fault, (m) => new ProvisioningUnavailableError(`provisioning ${m}`));
  return {
    provision: async (request) => {
      await gate();
      return provider.provision(request);
    },
    deprovision: (request) => provider.deprovision(request),
  };
}
