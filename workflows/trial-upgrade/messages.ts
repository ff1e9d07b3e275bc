import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';

export type TrialUpgradeStage = 'recording_account' | 'awaiting_phone' | 'abandoned' | 'cancelled';

export interface TrialUpgradeInput {
  accountId: string;
  displayName: string;
  email: string;
  currency: string;
  /** How long the workflow waits for the customer's next step before it ends as abandoned. */
  idleTimeout?: Duration;
}

export interface TrialUpgradeResult {
  accountId: string;
  outcome: 'abandoned' | 'cancelled';
}

export const stageQuery = defineQuery<TrialUpgradeStage>('stage');
export const cancelUpgradeSignal = defineSignal<[{ reason: string }]>('cancelUpgrade');
