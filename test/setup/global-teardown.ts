import type { TestServices } from './services';

export default async function globalTeardown(): Promise<void> {
  const services = (globalThis as { __billingTestServices?: TestServices }).__billingTestServices;
  if (!services) return;
  await Promise.allSettled([services.temporal.stop(), services.postgres.stop()]);
}
