/**
 * Baselines on the same server and worker settings as the engine: a workflow
 * whose update does nothing, and one that runs N no-op activities.
 */
import {
  condition,
  defineSignal,
  defineUpdate,
  proxyActivities,
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
