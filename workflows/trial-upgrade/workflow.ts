import {
  condition,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  setCurrentDetails,
} from '@temporalio/workflow';
import type { AccountActivities } from '../../activities/accounts';
import { AccountIdKey, BillingStageKey } from '../search-attributes';
import {
  cancelUpgradeSignal,
  stageQuery,
  type TrialUpgradeInput,
  type TrialUpgradeResult,
  type TrialUpgradeStage,
} from './messages';

const { recordTrialAccount } = proxyActivities<AccountActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

const DEFAULT_IDLE_TIMEOUT = '30 days';

/** One durable upgrade per trial account, driven step by step by a signup service. */
export async function trialUpgrade(input: TrialUpgradeInput): Promise<TrialUpgradeResult> {
  let stage: TrialUpgradeStage = 'recording_account';
  let cancelled = false;
  const enter = (next: TrialUpgradeStage, details: string): void => {
    stage = next;
    upsertSearchAttributes([{ key: BillingStageKey, value: next }]);
    setCurrentDetails(details);
  };
  setHandler(stageQuery, () => stage);
  setHandler(cancelUpgradeSignal, ({ reason }) => {
    log.info('upgrade cancelled by the signup service', { reason });
    cancelled = true;
  });
  upsertSearchAttributes([{ key: AccountIdKey, value: input.accountId }]);

  await recordTrialAccount({
    accountId: input.accountId,
    displayName: input.displayName,
    email: input.email,
    currency: input.currency,
  });
  enter('awaiting_phone', 'Waiting for the customer to enter a phone number to verify.');

  const active = await condition(() => cancelled, input.idleTimeout ?? DEFAULT_IDLE_TIMEOUT);
  if (active) {
    enter('cancelled', 'Cancelled by the signup service; the account stays a trial.');
    return { accountId: input.accountId, outcome: 'cancelled' };
  }
  enter('abandoned', 'Abandoned: no step within the idle timeout; the account stays a trial.');
  return { accountId: input.accountId, outcome: 'abandoned' };
}
