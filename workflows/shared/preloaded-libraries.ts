/**
 * The libraries the worker preloads (worker/workflow-bundle.ts): evaluated once per
 * worker thread and shared, frozen, by every workflow run, instead of evaluated again
 * (and held again in memory) for each run. Imported exactly as the workflows import
 * them: a package name in `preloadModules` is loaded with require(), which picks
 * decimal.js's CommonJS build while the workflows' imports pick its ES module build,
 * so the copy preloaded that way was one no workflow used.
 *
 * zod keeps three pieces of state it fills in lazily, each an object the SDK freezes
 * once the preload is done: its default locale and its containers' memoizer (set by
 * the first schema it builds) and whether it may compile parsers (read by the first
 * object schema). A run that filled in any of them would fail its workflow task, so
 * the preload builds and parses one object schema before the freeze. Everything else
 * zod derives lazily lives on its prototypes, which the SDK does not freeze, or on
 * each run's own schemas. The schemas themselves are not preloaded: zod memoizes
 * derived fields on each schema on first use, which a frozen schema refuses.
 */
import Decimal from 'decimal.js';
import { z } from 'zod';

// Fills in zod's lazy state before the freeze (see above).
z.object({ primed: z.string() }).parse({ primed: 'yes' });

/** Used, so that the bundler keeps the imports. */
export const PRELOADED_LIBRARIES = [Decimal, z] as const;
