/**
 * Why an update or query could not reach a workflow (the server answered
 * WorkflowNotFoundError): its run has ended, or none was ever started under the id.
 * One lookup, for the client's refusals (order_closed) and the API's problems
 * (409 when ended, 404 when never started).
 */
import type { Client } from '@temporalio/client';
import { BillingStageKey } from '../workflows/search-attributes';

export type WorkflowReach =
  /** status: COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT...; stage: its last BillingStage, else the status. */
  | { kind: 'ended'; status: string; stage: string }
  /** Running again by the time it was looked up (a race with a new run): nothing to say. */
  | { kind: 'running'; status: 'RUNNING' }
  | { kind: 'never_started' };

export async function workflowReach(client: Client, workflowId: string): Promise<WorkflowReach> {
  const described = await client.workflow
    .getHandle(workflowId)
    .describe()
    .catch(() => null);
  if (!described) return { kind: 'never_started' };
  const status = described.status.name;
  if (status === 'RUNNING') return { kind: 'running', status };
  return {
    kind: 'ended',
    status,
    stage: described.typedSearchAttributes.get(BillingStageKey) ?? status,
  };
}
