/**
 * The libraries the worker preloads (worker/workflow-bundle.ts): evaluated once per
 * worker thread and shared, frozen, by every workflow run, instead of evaluated again
 * for each run. Imported exactly as the workflows import them: a package name in
 * `preloadModules` is loaded with require(), which picks decimal.js's CommonJS build
 * while the workflows' imports pick its ES module build, so the copy preloaded that
 * way was one no workflow used.
 *
 * Not zod: webpack drops a bare require('zod') (the package declares no side effects),
 * and a zod that is actually preloaded fails every workflow task, because zod writes
 * to its own module state after loading (its locale's error map) and the SDK has
 * frozen that state.
 */
import Decimal from 'decimal.js';

/** Used, so that the bundler keeps the import. */
export const PRELOADED_LIBRARIES = [Decimal] as const;
