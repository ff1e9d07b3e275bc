/**
 * How the workflow bundle is built, for the worker and for the tests' pre-built
 * bundle alike. In the SDK's reusable V8 context a module is evaluated again for
 * every workflow run unless it is preloaded; zod's own modules are about a third
 * of that per-run cost for an order (bench/RESULTS.md). Preloaded modules are
 * evaluated once per worker thread and shared, frozen: only libraries that keep
 * no per-workflow state qualify. Not the schemas built with them: zod fills a
 * schema's members in on first use, which a frozen schema refuses, so the
 * domain's schemas are still built per run.
 */
import type { BundleOptions } from '@temporalio/worker';

export const WORKFLOW_BUNDLER_OPTIONS: Pick<BundleOptions, 'preloadModules'> = {
  preloadModules: ['zod', 'decimal.js'],
};
