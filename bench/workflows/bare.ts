/**
 * Baselines on the same server and worker settings as the engine: a workflow
 * whose update does nothing, one that runs N no-op activities, and one that runs
 * a mix of no-op activities and local activities.
 */
import {
  condition,
  defineSignal,
  defineUpdate,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';

export const noopUpdate = defineUpdate<{ ok: true }, [string]>('noop');
export const finishSignal = defineSignal('finish');

export async function bareUpdates(): Promise<void> {
  let finished = false;
  setHandler(noopUpdate, () => ({ ok: true as const }));
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

const local = proxyLocalActivities<{ noop: () => Promise<void> }>({
  startToCloseTimeout: '10 seconds',
});

/** `tasks` no-op activity tasks, then `locals` no-op local activities, one after another. */
export async function bareMixedActivities(tasks: number, locals: number): Promise<void> {
  for (let i = 0; i < tasks; i++) await noop();
  for (let i = 0; i < locals; i++) await local.noop();
}
