/**
 * Typed client of the pay-as-you-go bill workflow (`bill/<billId>`), for the
 * billing system that issues bills and for billing staff: settle a bill, retry or
 * cancel a failed payment, roll back or adjust a bill, read its state, and list
 * every bill stuck in `payment_failed`. Business refusals are thrown as
 * `BillRefusal` (a `code` such as `payment_not_failed`, and the fields it names).
 *
 * A new card is tokenized here with the payment gateway (as a payment page would),
 * so raw card data never enters workflow history.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  type WorkflowHandle,
} from '@temporalio/client';
import { parseInput, AccountIdSchema, BillIdSchema, type FieldError } from '../domain/contracts';
import { type RawPaymentMethod } from '../activities/payment';
import { tokenizePaymentMethod } from './payment-method';
import { billWorkflowId } from '../workflows/ids';
import { AccountIdKey, BillIdKey, BillingStageKey } from '../workflows/search-attributes';
import { BillWorkflowInputSchema, type BillPolicyOverrides } from '../workflows/bill/contracts';
import {
  adjustBillUpdate,
  awaitSettlementUpdate,
  billStateQuery,
  cancelPaymentUpdate,
  retryPaymentUpdate,
  rollbackBillUpdate,
  type BillStage,
  type BillState,
  type BillWorkflowInput,
} from '../workflows/bill/messages';
import type { payAsYouGoBill } from '../workflows/bill/workflow';
import { toRefusal, type EngineClientContext, type UpgradeClientContext } from './trial-upgrade';

export type { BillStage, BillState, BillWorkflowInput, BillPolicyOverrides };
export type { EngineClientContext };

/** Per call: an update id makes a retried call (e.g. after a timeout) do its work once. */
export interface BillCallOptions {
  updateId?: string;
}

/** A business refusal of a bill operation, with what it names. */
export class BillRefusal extends Error {
  override readonly name = 'BillRefusal';
  constructor(
    /** e.g. invalid_input, payment_not_failed, payment_pending, bill_rolled_back, account_not_found. */
    readonly code: string,
    message: string,
    readonly details: { fields?: FieldError[]; field?: string; stage?: BillStage } = {},
  ) {
    super(message);
  }
}

const invalid = (fields: FieldError[]): BillRefusal =>
  new BillRefusal(
    'invalid_input',
    fields.map((f) => `${f.path || '(input)'}: ${f.message}`).join('; '),
    { fields },
  );

async function refusing<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof BillRefusal) throw err;
    const refused = toRefusal(err);
    if (refused) throw new BillRefusal(refused.code, refused.message, refused.details);
    throw err;
  }
}

function billHandle(
  ctx: EngineClientContext,
  billId: string,
): WorkflowHandle<typeof payAsYouGoBill> {
  const parsed = parseInput(BillIdSchema, billId);
  if (!parsed.ok) throw invalid(parsed.errors.map((e) => ({ ...e, path: 'billId' })));
  return ctx.client.workflow.getHandle<typeof payAsYouGoBill>(billWorkflowId(billId));
}

// ---- start and settle ---------------------------------------------------------------------

/**
 * Starts the bill's workflow (or finds the one already started: a bill is settled
 * once). Input is checked here first: a bad one is refused naming the field and
 * nothing starts.
 */
export async function startBill(
  ctx: EngineClientContext,
  input: BillWorkflowInput,
): Promise<{ workflowId: string; handle: WorkflowHandle<typeof payAsYouGoBill> }> {
  const parsed = parseInput(BillWorkflowInputSchema, input);
  if (!parsed.ok) throw invalid(parsed.errors);
  const bill = parsed.value;
  const workflowId = billWorkflowId(bill.billId);
  try {
    const handle = await ctx.client.workflow.start<typeof payAsYouGoBill>('payAsYouGoBill', {
      taskQueue: ctx.taskQueue,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      // A refused start (unknown account...) may be tried again; a settled bill never settles twice.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      typedSearchAttributes: [
        { key: BillIdKey, value: bill.billId },
        { key: AccountIdKey, value: bill.accountId },
        { key: BillingStageKey, value: 'settling' },
      ],
      staticSummary: `Pay-as-you-go bill ${bill.billId} of account ${bill.accountId}: ${bill.amount} ${bill.currency}`,
    });
    return { workflowId, handle };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return { workflowId, handle: ctx.client.workflow.getHandle<typeof payAsYouGoBill>(workflowId) };
  }
}

/**
 * Starts (or finds) the bill and returns once its settlement has an outcome:
 * `settled`, `arrears` or `payment_failed` (or later stages when it was started
 * before). Refusals (unknown account, product, currency) are thrown as BillRefusal.
 */
export async function settleBill(
  ctx: EngineClientContext,
  input: BillWorkflowInput,
): Promise<BillState> {
  const { handle } = await startBill(ctx, input);
  return refusing(async () => {
    try {
      return await handle.executeUpdate(awaitSettlementUpdate);
    } catch (err) {
      if (toRefusal(err)) throw err;
      // The run may have ended (closed or refused) before the update reached it.
      return handle.result();
    }
  });
}

// ---- billing retries ------------------------------------------------------------------------

/**
 * Charges a bill in `payment_failed` again, optionally with a new payment method
 * (tokenized here; it becomes the account's default). Returns the new state:
 * `settled`, or `payment_failed` again with the new reason.
 */
export function retryBillPayment(
  ctx: UpgradeClientContext,
  input: { billId: string; paymentMethod?: RawPaymentMethod },
  options: BillCallOptions = {},
): Promise<BillState> {
  return refusing(async () => {
    const handle = billHandle(ctx, input.billId);
    const tokenized = input.paymentMethod
      ? await tokenizePaymentMethod({
          gateway: ctx.paymentGateway,
          method: input.paymentMethod,
          workflowId: handle.workflowId,
          updateId: options.updateId,
          field: 'paymentMethod',
          invalid,
        })
      : undefined;
    return handle.executeUpdate(retryPaymentUpdate, {
      args: [tokenized ? { paymentMethod: tokenized } : {}],
      ...options,
    });
  });
}

/** Gives up on a failed payment: what the bill still owes becomes the account's arrears. */
export function cancelBillPayment(
  ctx: EngineClientContext,
  input: { billId: string; reason: string },
  options: BillCallOptions = {},
): Promise<BillState> {
  return refusing(() =>
    billHandle(ctx, input.billId).executeUpdate(cancelPaymentUpdate, {
      args: [{ reason: input.reason }],
      ...options,
    }),
  );
}

// ---- rollback and adjustment ----------------------------------------------------------------

/** Rolls the bill back: coupons, funds and arrears get back what the bill took (docs/bills.md). */
export function rollbackBill(
  ctx: EngineClientContext,
  input: { billId: string; reason: string },
  options: BillCallOptions = {},
): Promise<BillState> {
  return refusing(() =>
    billHandle(ctx, input.billId).executeUpdate(rollbackBillUpdate, {
      args: [{ reason: input.reason }],
      ...options,
    }),
  );
}

/** Sets the bill's amount: down returns by the documented rule, up settles the difference. */
export function adjustBill(
  ctx: EngineClientContext,
  input: { billId: string; adjustedAmount: string; reason: string },
  options: BillCallOptions = {},
): Promise<BillState> {
  return refusing(() =>
    billHandle(ctx, input.billId).executeUpdate(adjustBillUpdate, {
      args: [{ adjustedAmount: input.adjustedAmount, reason: input.reason }],
      ...options,
    }),
  );
}

// ---- reading --------------------------------------------------------------------------------

export function getBillState(ctx: EngineClientContext, billId: string): Promise<BillState> {
  return refusing(() => billHandle(ctx, billId).query(billStateQuery));
}

export interface StuckBill {
  billId: string;
  accountId: string;
  workflowId: string;
  runId: string;
  startTime: Date;
}

/**
 * Every running bill waiting in `payment_failed` (a visibility query on the
 * `BillingStage` search attribute), optionally of one account. The same list from a
 * terminal: `temporal workflow list --query 'WorkflowType="payAsYouGoBill" AND BillingStage="payment_failed" AND ExecutionStatus="Running"'`.
 * Visibility is eventually consistent: a bill that failed a moment ago may show a little later.
 */
export async function listBillsInPaymentFailed(
  ctx: EngineClientContext,
  filter: { accountId?: string } = {},
): Promise<StuckBill[]> {
  const clauses = [
    `WorkflowType = 'payAsYouGoBill'`,
    `BillingStage = 'payment_failed'`,
    `ExecutionStatus = 'Running'`,
  ];
  if (filter.accountId !== undefined) {
    const parsed = parseInput(AccountIdSchema, filter.accountId);
    if (!parsed.ok) throw invalid(parsed.errors.map((e) => ({ ...e, path: 'accountId' })));
    clauses.push(`AccountId = '${parsed.value}'`);
  }
  const found: StuckBill[] = [];
  for await (const wf of ctx.client.workflow.list({ query: clauses.join(' AND ') })) {
    found.push({
      billId: wf.typedSearchAttributes.get(BillIdKey) ?? wf.workflowId.replace(/^bill\//, ''),
      accountId: wf.typedSearchAttributes.get(AccountIdKey) ?? '',
      workflowId: wf.workflowId,
      runId: wf.runId,
      startTime: wf.startTime,
    });
  }
  return found;
}
