import { randomUUID } from 'node:crypto';
import {
  WorkflowIdConflictPolicy,
  type Client,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { trialUpgradeWorkflowId } from '../workflows/ids';
import { AccountIdKey, BillingStageKey } from '../workflows/search-attributes';
import type { trialUpgrade } from '../workflows/trial-upgrade/workflow';
import { stageQuery, type TrialUpgradeStage } from '../workflows/trial-upgrade/messages';

export interface CreateTrialAccountInput {
  accountId?: string;
  displayName: string;
  email: string;
  currency?: string;
  idleTimeout?: string;
}

export interface EngineClientContext {
  client: Client;
  taskQueue: string;
}

/**
 * Creates a trial account and starts (or finds) its upgrade workflow.
 * Starting twice for one account never makes two workflows.
 */
export async function createTrialAccount(
  ctx: EngineClientContext,
  input: CreateTrialAccountInput,
): Promise<{
  accountId: string;
  workflowId: string;
  handle: WorkflowHandleWithFirstExecutionRunId<typeof trialUpgrade>;
}> {
  const accountId = input.accountId ?? randomUUID();
  const workflowId = trialUpgradeWorkflowId(accountId);
  const handle = await ctx.client.workflow.start<typeof trialUpgrade>('trialUpgrade', {
    taskQueue: ctx.taskQueue,
    workflowId,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    args: [
      {
        accountId,
        displayName: input.displayName,
        email: input.email,
        currency: input.currency ?? 'USD',
        ...(input.idleTimeout ? { idleTimeout: input.idleTimeout } : {}),
      },
    ],
    typedSearchAttributes: [
      { key: AccountIdKey, value: accountId },
      { key: BillingStageKey, value: 'recording_account' },
    ],
    staticSummary: `Trial upgrade of account ${accountId}`,
  });
  return { accountId, workflowId, handle };
}

export async function getTrialUpgradeStage(
  ctx: EngineClientContext,
  accountId: string,
): Promise<TrialUpgradeStage> {
  return ctx.client.workflow.getHandle(trialUpgradeWorkflowId(accountId)).query(stageQuery);
}
