/**
 * The clients throw their own refusals (OrderRefusal, BillRefusal, CouponRefusal);
 * here they become problems, with each named field placed where the caller sent
 * it (`body.amount`, `body.method.number`).
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { BillRefusal } from '../../client/bills';
import { CouponRefusal } from '../../client/coupons';
import type { EngineClientContext } from '../../client/trial-upgrade';
import { OrderRefusal, toOrderRefusal } from '../../client/orders';
import { workflowReach } from '../../client/unreachable-workflow';
import { ApiProblem, statusOfRefusal } from '../problems';

/** Refusals that mean "not now, in this state": the request was fine, the workflow is elsewhere. */
const CONFLICTS = new Set([
  'order_closed',
  'order_already_paid',
  'order_not_active',
  'not_awaiting_retry',
  'bill_not_settled',
  'payment_not_failed',
  'payment_pending',
  'bill_rolled_back',
  'bill_closed',
  'coupon_no_longer_usable',
]);

/** Refusals naming something that is not there (or not visible to the caller). */
const NOT_FOUND = new Set(['coupon_not_found', 'share_not_found', 'organization_not_found']);

/** The workflow a call goes to: an update to one that has ended is a 409, not a 404. */
export interface CalledWorkflow {
  engine: EngineClientContext;
  workflowId: string;
  /** order_closed, bill_closed */
  closedCode: string;
  /** How it reads: "order o-1". */
  subject: string;
}

/**
 * Runs a client call; a refusal becomes a problem, `field` maps the client's
 * paths to the request's. With `workflow`, an update to an ended workflow is
 * `<closedCode>` (409) and one never started is 404 naming the subject.
 */
export async function refusalsAsProblems<T>(
  run: () => Promise<T>,
  field: (path: string) => string = (path) => `body.${path}`,
  workflow?: CalledWorkflow,
): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError && workflow) {
      const reach = await workflowReach(workflow.engine.client, workflow.workflowId);
      if (reach.kind === 'never_started') {
        throw new ApiProblem(404, 'not_found', `No ${workflow.subject}`);
      }
      throw new ApiProblem(
        409,
        workflow.closedCode,
        `The ${workflow.subject} has ended (${reach.status}); nothing was done`,
      );
    }
    const refused: OrderRefusal | BillRefusal | CouponRefusal | null =
      err instanceof BillRefusal || err instanceof CouponRefusal ? err : toOrderRefusal(err);
    if (!refused) throw err;
    const { fields, field: single } = refused.details;
    const errors = fields
      ? fields.map((f) => ({ field: field(f.path), message: f.message }))
      : single
        ? [{ field: field(single), message: refused.message }]
        : undefined;
    const status = CONFLICTS.has(refused.code)
      ? 409
      : NOT_FOUND.has(refused.code)
        ? 404
        : statusOfRefusal(refused.code);
    const reasons = (refused.details as { reasons?: unknown }).reasons;
    throw new ApiProblem(
      status,
      refused.code,
      errors && refused.code === 'invalid_input'
        ? errors.map((e) => `${e.field}: ${e.message}`).join('; ')
        : refused.message +
            (Array.isArray(reasons)
              ? ` (${(reasons as { code: string }[]).map((r) => r.code).join(', ')})`
              : ''),
      errors ? { errors } : {},
    );
  }
}
