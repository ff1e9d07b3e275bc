import path from 'node:path';
import type { RunningPostgres } from '../../scripts/lib/embedded-postgres';
import type { RunningDevServer } from '../../scripts/lib/temporal-dev-server';

export const TEST_DATA_DIR = path.resolve(__dirname, '..', '..', '.data', 'test');
export const TEMPLATE_DATABASE = 'billing_template';

/** How the global setup tells test files where the shared services are. */
export const TEST_ENV = {
  postgresAdminUrl: 'BILLING_TEST_POSTGRES_ADMIN_URL',
  temporalAddress: 'BILLING_TEST_TEMPORAL_ADDRESS',
  workflowBundle: 'BILLING_TEST_WORKFLOW_BUNDLE',
} as const;

export interface TestServices {
  postgres: RunningPostgres;
  temporal: RunningDevServer;
}
