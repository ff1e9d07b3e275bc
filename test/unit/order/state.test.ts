/** The order workflow's pure rules: term, unused fraction, pro-rata refund, renewal ids; the dev provider. */
import { createDevProvisioningProvider } from '../../../activities/provisioning';
import {
  addMonths,
  nextRenewalOrderId,
  proRataRefund,
  unusedFraction,
} from '../../../workflows/order/state';
import type { OrderState } from '../../../workflows/order/messages';

const at = (iso: string): number => Date.parse(iso);

describe('order term', () => {
  it('adds calendar months in UTC, clamping to the end of a shorter month', () => {
    expect(new Date(addMonths(at('2026-01-31T10:00:00Z'), 1)).toISOString()).toBe(
      '2026-02-28T10:00:00.000Z',
    );
    expect(new Date(addMonths(at('2028-01-31T00:00:00Z'), 1)).toISOString()).toBe(
      '2028-02-29T00:00:00.000Z',
    );
    expect(new Date(addMonths(at('2026-11-23T09:00:00Z'), 12)).toISOString()).toBe(
      '2027-11-23T09:00:00.000Z',
    );
  });
});

describe('seed 002 §Returns (rule choice): unsubscription', () => {
  const start = at('2026-01-01T00:00:00Z');
  const end = at('2026-01-11T00:00:00Z');
  it('the unused fraction is in [0, 1], 6 digits rounded down', () => {
    expect(unusedFraction(start, end, start)).toBe('1');
    expect(unusedFraction(start, end, end)).toBe('0');
    expect(unusedFraction(start, end, end + 1)).toBe('0');
    expect(unusedFraction(start, end, at('2026-01-06T00:00:00Z'))).toBe('0.500000');
    // 1/3 of the term left: 0.333333 (down), never 0.333334.
    expect(unusedFraction(0, 3_000, 2_000)).toBe('0.333333');
    expect(unusedFraction(0, 3_000, 1_000)).toBe('0.666666');
  });

  it('the cash refund is what was charged × the fraction, rounded down to the minor unit', () => {
    const usd = { currency: 'USD' } as OrderState;
    const jpy = { currency: 'JPY' } as OrderState;
    expect(proRataRefund('70.00', '0.333333', usd)).toBe('23.33');
    expect(proRataRefund('70.00', '0', usd)).toBe('0.00');
    expect(proRataRefund('70.00', '1', usd)).toBe('70.00');
    expect(proRataRefund('1000', '0.999999', jpy)).toBe('999');
  });
});

describe('auto-renewal order ids', () => {
  it('numbers renewals of one order', () => {
    expect(nextRenewalOrderId('o-1')).toBe('o-1-r1');
    expect(nextRenewalOrderId('o-1-r1')).toBe('o-1-r2');
    expect(nextRenewalOrderId('o-1-r9')).toBe('o-1-r10');
  });
});

describe('dev provisioning provider', () => {
  const request = (orderId: string, key = `order/${orderId}:provision`) => ({
    orderId,
    accountId: 'a-1',
    commodityCode: 'ecs',
    orderType: 'new_purchase' as const,
    idempotencyKey: key,
  });
  it('is idempotent per key and fails as told by the order id', async () => {
    const provider = createDevProvisioningProvider();
    const first = await provider.provision(request('o-ok'));
    expect(await provider.provision(request('o-ok'))).toEqual(first);
    await expect(provider.provision(request('o-provision-fail-1'))).rejects.toMatchObject({
      name: 'ProvisioningRefusedError',
      reason: 'capacity_unavailable',
    });
    await expect(provider.provision(request('o-provision-down-1'))).rejects.toMatchObject({
      name: 'ProvisioningUnavailableError',
    });
    await expect(provider.provision(request('o-provision-flaky-1'))).rejects.toMatchObject({
      name: 'ProvisioningUnavailableError',
    });
    expect((await provider.provision(request('o-provision-flaky-1'))).resourceId).toMatch(/^res_/);
  });
});
