/**
 * Baselines on the same server and worker settings as the engine: a workflow
 * whose update does nothing (or runs one no-op local activity), one that runs N
 * no-op activities, and one that runs a mix of no-op activities and local
 * activities.
 */
import {
  condition,
  defineSignal,
  defineUpdate,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { BillingStageKey } from '../../workflows/search-attributes';

export const noopUpdate = defineUpdate<{ ok: true }, [string]>('noop');
/** The floor of an upgrade step that writes: an update whose handler awaits one no-op local activity. */
export const noopLocalActivityUpdate = defineUpdate<{ ok: true }, [string]>('noopLocalActivity');
/**
 * The floor of an upgrade step that writes and records its new stage for ops to
 * search by: one no-op local activity, then one search-attribute upsert.
 */
export const noopStageUpdate = defineUpdate<{ ok: true }, [string]>('noopStage');
export const finishSignal = defineSignal('finish');

const local = proxyLocalActivities<{ noop: () => Promise<void> }>({
  startToCloseTimeout: '10 seconds',
});

export async function bareUpdates(): Promise<void> {
  let finished = false;
  setHandler(noopUpdate, () => ({ ok: true as const }));
  setHandler(noopLocalActivityUpdate, async () => {
    await local.noop();
    return { ok: true as const };
  });
  let stages = 0;
  setHandler(noopStageUpdate, async () => {
    await local.noop();
    upsertSearchAttributes([{ key: BillingStageKey, value: `stage-${++stages}` }]);
    return { ok: true as const };
  });
  setHandler(finishSignal, () => {
    finished = true;
  });
  await condition(() => finished);
}

const { noop } = proxyActivities<{ noop: () => Promise<void> }>({
  startToCloseTimeout: '10 seconds',
});

export async function bareActivities(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await noop();
}

/** `tasks` no-op activity tasks, then `locals` no-op local activities, one after another. */
export async function bareMixedActivities(tasks: number, locals: number): Promise<void> {
  for (let i = 0; i < tasks; i++) await noop();
  for (let i = 0; i < locals; i++) await local.noop();
}
