/**
 * How the workflow bundle is built, for the worker and for the tests' pre-built
 * bundle alike. In the SDK's reusable V8 context a module is evaluated again for
 * every workflow run unless it is preloaded; preloaded modules are evaluated once
 * per worker thread and shared, frozen, so only code that keeps no state of its own
 * after loading qualifies. What is preloaded (decimal.js and zod), and how zod is made
 * to qualify, is in workflows/shared/preloaded-libraries.ts; workflows/index.ts loads
 * each workflow's modules only when that workflow runs.
 */
import type { BundleOptions } from '@temporalio/worker';

export const WORKFLOW_BUNDLER_OPTIONS: Pick<BundleOptions, 'preloadModules'> = {
  preloadModules: [require.resolve('../workflows/shared/preloaded-libraries')],
};
