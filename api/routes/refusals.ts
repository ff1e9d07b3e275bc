/**
 * The order and bill clients throw their own refusals (OrderRefusal, BillRefusal);
 * here they become problems, with each named field placed where the caller sent
 * it (`body.amount`, `body.method.number`).
 */
import { BillRefusal } from '../../client/bills';
import { OrderRefusal, toOrderRefusal } from '../../client/orders';
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

/** Runs a client call; a refusal becomes a problem, `field` maps the client's paths to the request's. */
export async function refusalsAsProblems<T>(
  run: () => Promise<T>,
  field: (path: string) => string = (path) => `body.${path}`,
): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const refused: OrderRefusal | BillRefusal | null =
      err instanceof BillRefusal ? err : toOrderRefusal(err);
    if (!refused) throw err;
    const { fields, field: single } = refused.details;
    const errors = fields
      ? fields.map((f) => ({ field: field(f.path), message: f.message }))
      : single
        ? [{ field: field(single), message: refused.message }]
        : undefined;
    const status = CONFLICTS.has(refused.code) ? 409 : statusOfRefusal(refused.code);
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
