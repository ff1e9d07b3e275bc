/**
 * The trial upgrade over HTTP (seed 000): start or find, one route per step,
 * "Upgrade Account", cancel, the state, and, for ops, the list by stage. Each
 * route calls client/trial-upgrade.ts; the step's Idempotency-Key doubles as the
 * Temporal update id, so even a retry after a lost answer does the step once.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AccountIdSchema, CurrencySchema } from '../../domain/contracts';
import { AddressSchema, VerificationCodeSchema } from '../../domain/upgrade-contracts';
import { PaymentMethodSchema } from '../../domain/upgrade-entry';
import {
  cancelTrialUpgrade,
  confirmUpgrade,
  createTrialAccount,
  getUpgradeProgress,
  removePromoCode,
  resendCode,
  submitBillingAddress,
  submitCompanyAddress,
  submitPaymentMethod,
  submitPhone,
  submitPromoCode,
  toRefusal,
  TrialUpgradeRefusal,
  verifyCode,
  type TrialUpgradeStage,
} from '../../client/trial-upgrade';
import { workflowReach } from '../../client/unreachable-workflow';
import { trialUpgradeWorkflowId } from '../../workflows/ids';
import {
  billingAddressSchemaOf,
  ResendCodeSchema,
  SubmitPhoneSchema,
  SubmitPromoCodeSchema,
} from '../../workflows/trial-upgrade/contracts';
import { UPGRADE_STEPS } from '../../workflows/trial-upgrade/messages';
import { updateIdOf } from '../idempotency';
import { decodeCursor, encodeCursor, PageQuerySchema, pageOf } from '../pagination';
import { ApiProblem } from '../problems';
import type { ApiDeps } from './types';

// ---- schemas ---------------------------------------------------------------------------

/** The billing-address body: an unknown key anywhere, the address's too, is refused by name. */
const StrictBillingAddressSchema = billingAddressSchemaOf(z.strictObject(AddressSchema.shape));

const STAGES = [
  'recording_account',
  'awaiting_phone',
  'awaiting_code',
  'verification_locked',
  'awaiting_company_address',
  'awaiting_billing_address',
  'awaiting_payment_method',
  'ready_to_confirm',
  'upgrading',
  'upgraded',
  'abandoned',
  'cancelled',
] as const satisfies readonly TrialUpgradeStage[];
// Compile-time: every stage of the workflow is listed above.
const everyStage: [Exclude<TrialUpgradeStage, (typeof STAGES)[number]>] extends [never]
  ? true
  : never = true;
void everyStage;

const StageSchema = z.enum(STAGES).meta({ id: 'TrialUpgradeStage' });
const StepSchema = z.enum(UPGRADE_STEPS);
const StepResultSchema = z
  .object({
    stage: StageSchema,
    missing: z.array(StepSchema).describe('Required steps still to do, in order'),
  })
  .meta({ id: 'StepResult' });
const CodeSentSchema = StepResultSchema.extend({
  channel: z.enum(['sms', 'voice']),
  phone: z.string().describe('Masked, e.g. +*******0123'),
  expiresAt: z.string(),
  resendsLeft: z.int(),
  nextSendAt: z.string(),
}).meta({ id: 'CodeSent' });
const VerifyResultSchema = StepResultSchema.extend({
  verified: z.boolean(),
  reason: z.enum(['wrong_code', 'code_expired', 'no_attempts_left']).optional(),
  attemptsLeft: z.int(),
  lockedUntil: z.string().optional(),
}).meta({ id: 'VerifyCodeResult' });
const PendingPromoSchema = z
  .object({
    code: z.string(),
    appliesAt: z.enum(['upgrade', 'after_upgrade']),
    grant: z.enum(['funds', 'coupon']),
    value: z.string(),
    currency: z.string(),
  })
  .meta({ id: 'PendingPromoCode' });
const PromoResultSchema = StepResultSchema.extend({ promoCode: PendingPromoSchema }).meta({
  id: 'PromoCodeResult',
});
const ShownPaymentMethodSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('card'),
    brand: z.string(),
    last4: z.string(),
    expMonth: z.int(),
    expYear: z.int(),
  }),
  z.object({ type: z.literal('paypal'), label: z.string() }),
]);
const PaymentResultSchema = StepResultSchema.extend({
  paymentMethod: ShownPaymentMethodSchema.describe('What may be shown: never the number or token'),
}).meta({ id: 'PaymentMethodResult' });
const VerificationStatusSchema = z.object({
  phone: z.string().nullable(),
  channel: z.enum(['sms', 'voice']).nullable(),
  verified: z.boolean(),
  codeSent: z.boolean(),
  codeExpiresAt: z.string().nullable(),
  attemptsLeft: z.int().nullable(),
  resendsLeft: z.int(),
  nextSendAt: z.string().nullable(),
  lockedUntil: z.string().nullable(),
});
const DetailsSchema = z.object({
  phone: z.string().nullable(),
  phoneVerified: z.boolean(),
  companyAddress: z.string().nullable(),
  billingAddress: z.string().nullable(),
  billingSameAsCompany: z.boolean(),
  paymentMethod: z.string().nullable(),
  promoCode: PendingPromoSchema.nullable(),
});
const ProgressSchema = z
  .object({
    stage: StageSchema,
    missing: z.array(StepSchema),
    verification: VerificationStatusSchema,
    details: DetailsSchema.describe('Masked: phone last digits, address summaries, card last four'),
  })
  .meta({ id: 'TrialUpgradeProgress' });
const SummarySchema = z
  .object({
    accountId: z.string(),
    status: z.literal('upgraded'),
    upgradedAt: z.string(),
    automaticRechargeEnabled: z.literal(false),
    charged: z.literal(false),
    phone: z.string(),
    companyAddress: z.string(),
    billingAddress: z.string(),
    billingSameAsCompany: z.boolean(),
    paymentMethod: z.string(),
    promoCode: z
      .object({
        code: z.string(),
        appliedAs: z.enum(['trial_upgrade', 'add_funds']),
        grant: z.enum(['funds', 'coupon']),
        fundsAdded: z.string().nullable(),
        couponId: z.string().nullable(),
      })
      .nullable(),
    promoCodeNotApplied: z
      .object({ code: z.string(), reason: z.string(), message: z.string() })
      .optional(),
    fundsBalance: z.string(),
  })
  .meta({ id: 'UpgradeSummary' });
const StartedSchema = z
  .object({ accountId: z.string(), workflowId: z.string(), stage: StageSchema })
  .meta({ id: 'TrialUpgradeStarted' });

const StartBodySchema = z.strictObject({
  accountId: AccountIdSchema.optional().describe('Your account id; a new one if omitted'),
  displayName: z.string().trim().min(1, { error: 'Required' }).max(200),
  email: z.email({ error: 'A valid email address' }),
  currency: CurrencySchema.default('USD'),
});
const AccountParamsSchema = z.object({ accountId: AccountIdSchema });
const tags = ['trial upgrade'];
/** temporal.api.enums.v1.WorkflowExecutionStatus */
const EXECUTION_STATUS: Record<number, string> = {
  1: 'RUNNING',
  2: 'COMPLETED',
  3: 'FAILED',
  4: 'CANCELED',
  5: 'TERMINATED',
  6: 'CONTINUED_AS_NEW',
  7: 'TIMED_OUT',
};
const SIGNUP = ['signup'] as const;

// ---- errors ------------------------------------------------------------------------------

/** No upgrade for the account (404), or one that has ended (409 upgrade_closed). */
async function upgradeCall<T>(deps: ApiDeps, accountId: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw toRefusal(err) ?? err;
    const reach = await workflowReach(deps.engine.client, trialUpgradeWorkflowId(accountId));
    if (reach.kind === 'never_started') {
      throw new ApiProblem(
        404,
        'trial_upgrade_not_found',
        `No trial upgrade for account ${accountId}`,
      );
    }
    throw new ApiProblem(
      409,
      'upgrade_closed',
      `The upgrade of ${accountId} has ended (${reach.status})`,
    );
  }
}

// ---- routes ------------------------------------------------------------------------------

export function trialUpgradeRoutes(server: FastifyInstance, deps: ApiDeps): void {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const { engine } = deps;

  app.post(
    '/v1/trial-upgrades',
    {
      config: { scopes: SIGNUP },
      schema: {
        tags,
        summary: '"Upgrade Project": record the trial account and start (or find) its upgrade',
        body: StartBodySchema,
        response: { 200: StartedSchema },
      },
    },
    async (request) => {
      const { handle: _handle, ...started } = await createTrialAccount(engine, request.body);
      void _handle;
      return started;
    },
  );

  app.get(
    '/v1/trial-upgrades/:accountId',
    {
      config: { scopes: ['signup', 'ops'] },
      schema: {
        tags,
        summary: 'Stage, missing steps, verification status and masked details',
        params: AccountParamsSchema,
        response: { 200: ProgressSchema },
      },
    },
    async (request) =>
      upgradeCall(deps, request.params.accountId, () =>
        getUpgradeProgress(engine, request.params.accountId),
      ),
  );

  app.post(
    '/v1/trial-upgrades/:accountId/phone',
    {
      config: { scopes: SIGNUP, rateLimit: 'code_sends' },
      schema: {
        tags,
        summary: 'Step 2: the mobile number; a code is sent by SMS (or voice)',
        params: AccountParamsSchema,
        body: SubmitPhoneSchema,
        response: { 200: CodeSentSchema },
      },
    },
    async (request) => {
      const { accountId } = request.params;
      return upgradeCall(deps, accountId, () =>
        submitPhone(engine, { accountId, ...request.body }, updateIdOf(request.idempotency)),
      );
    },
  );

  app.post(
    '/v1/trial-upgrades/:accountId/code/resend',
    {
      config: { scopes: SIGNUP, rateLimit: 'code_sends' },
      schema: {
        tags,
        summary: 'Another code (the previous one stops working), optionally by the other channel',
        params: AccountParamsSchema,
        body: ResendCodeSchema,
        response: { 200: CodeSentSchema },
      },
    },
    async (request) => {
      const { accountId } = request.params;
      return upgradeCall(deps, accountId, () =>
        resendCode(engine, { accountId, ...request.body }, updateIdOf(request.idempotency)),
      );
    },
  );

  app.post(
    '/v1/trial-upgrades/:accountId/code/verify',
    {
      config: { scopes: SIGNUP, rateLimit: 'code_checks' },
      schema: {
        tags,
        summary: 'Step 3: the code the customer typed (sealed before it reaches the workflow)',
        params: AccountParamsSchema,
        body: z.strictObject({ code: VerificationCodeSchema }),
        response: { 200: VerifyResultSchema },
      },
    },
    async (request) => {
      const { accountId } = request.params;
      return upgradeCall(deps, accountId, () =>
        verifyCode(engine, { accountId, code: request.body.code }, updateIdOf(request.idempotency)),
      );
    },
  );

  app.post(
    '/v1/trial-upgrades/:accountId/company-address',
    {
      config: { scopes: SIGNUP },
      schema: {
        tags,
        summary: 'Step 4: the address of the company that uses the service',
        params: AccountParamsSchema,
        body: z.strictObject(AddressSchema.shape),
        response: { 200: StepResultSchema },
      },
    },
    async (request) => {
      const { accountId } = request.params;
      return upgradeCall(deps, accountId, () =>
        submitCompanyAddress(
          engine,
          { accountId, address: request.body },
          updateIdOf(request.idempotency),
        ),
      );
    },
  );

  app.post(
    '/v1/trial-upgrades/:accountId/billing-address',
    {
      config: { scopes: SIGNUP },
      schema: {
        tags,
        summary: 'Step 5: a billing address, or { "sameAsCompany": true }',
        params: AccountParamsSchema,
        body: StrictBillingAddressSchema,
        response: { 200: StepResultSchema },
      },
    },
    async (request) => {
      const { accountId } = request.params;
      const { sameAsCompany, address } = request.body;
      const step = sameAsCompany || !address ? { sameAsCompany: true as const } : { address };
      return upgradeCall(deps, accountId, () =>
        submitBillingAddress(engine, { accountId, ...step }, updateIdOf(request.idempotency)),
      );
    },
  );

  app.post(
    '/v1/trial-upgrades/:accountId/payment-method',
    {
      config: { scopes: SIGNUP },
      schema: {
        tags,
        summary: 'Step 6: a card or PayPal; tokenized here, nothing charged',
        params: AccountParamsSchema,
        body: PaymentMethodSchema,
        response: { 200: PaymentResultSchema },
      },
    },
    async (request) => {
      const { accountId } = request.params;
      try {
        const result = await upgradeCall(deps, accountId, () =>
          submitPaymentMethod(
            engine,
            { accountId, method: request.body },
            updateIdOf(request.idempotency),
          ),
        );
        // The client's type (Omit over a union) drops the variant fields the value has.
        return {
          ...result,
          paymentMethod: result.paymentMethod as z.infer<typeof ShownPaymentMethodSchema>,
        };
      } catch (err) {
        // The client names card fields `method.<field>`; here the body is the method.
        if (err instanceof TrialUpgradeRefusal && err.details.fields) {
          const fields = err.details.fields.map((f) => ({
            ...f,
            path: f.path.replace(/^method\./, ''),
          }));
          throw new TrialUpgradeRefusal(err.code, err.message.replace(/^method\./, ''), {
            ...err.details,
            fields,
          });
        }
        throw err;
      }
    },
  );

  app.put(
    '/v1/trial-upgrades/:accountId/promo-code',
    {
      config: { scopes: SIGNUP, rateLimit: 'code_redemptions' },
      schema: {
        tags,
        summary: 'Step 7 (optional): a promo code, checked now and applied at the upgrade',
        params: AccountParamsSchema,
        body: SubmitPromoCodeSchema,
        response: { 200: PromoResultSchema },
      },
    },
    async (request) => {
      const { accountId } = request.params;
      return upgradeCall(deps, accountId, () =>
        submitPromoCode(
          engine,
          { accountId, code: request.body.code },
          updateIdOf(request.idempotency),
        ),
      );
    },
  );

  app.delete(
    '/v1/trial-upgrades/:accountId/promo-code',
    {
      config: { scopes: SIGNUP },
      schema: {
        tags,
        summary: 'Drop the pending promo code',
        params: AccountParamsSchema,
        response: { 200: StepResultSchema },
      },
    },
    async (request) => {
      const { accountId } = request.params;
      return upgradeCall(deps, accountId, () =>
        removePromoCode(engine, { accountId }, updateIdOf(request.idempotency)),
      );
    },
  );

  app.post(
    '/v1/trial-upgrades/:accountId/confirm',
    {
      config: { scopes: SIGNUP },
      schema: {
        tags,
        summary:
          '"Upgrade Account": refused with the missing steps until all are done; then upgrades with automatic recharge off',
        params: AccountParamsSchema,
        response: { 200: SummarySchema },
      },
    },
    async (request) => {
      const { accountId } = request.params;
      return upgradeCall(deps, accountId, () =>
        confirmUpgrade(engine, { accountId }, updateIdOf(request.idempotency)),
      );
    },
  );

  app.post(
    '/v1/trial-upgrades/:accountId/cancel',
    {
      config: { scopes: ['signup', 'ops'] },
      schema: {
        tags,
        summary: 'Cancel the upgrade (the account stays a trial); a step already running finishes',
        params: AccountParamsSchema,
        body: z.strictObject({ reason: z.string().trim().min(1, { error: 'Required' }).max(500) }),
        response: {
          202: z.object({ accountId: z.string(), cancellation: z.literal('requested') }),
        },
      },
    },
    async (request, reply) => {
      const { accountId } = request.params;
      await upgradeCall(deps, accountId, () =>
        cancelTrialUpgrade(engine, { accountId, reason: request.body.reason }),
      );
      return reply.code(202).send({ accountId, cancellation: 'requested' as const });
    },
  );

  app.get(
    '/v1/trial-upgrades',
    {
      config: { scopes: ['ops'] },
      schema: {
        tags,
        summary: 'Ops: trial upgrades by stage (Temporal visibility, newest first)',
        querystring: PageQuerySchema.extend({ stage: StageSchema.optional() }),
        response: {
          200: pageOf(
            z.object({
              accountId: z.string(),
              workflowId: z.string(),
              stage: z.string().nullable(),
              status: z.string(),
              startedAt: z.string().nullable(),
            }),
          ).meta({ id: 'TrialUpgradePage' }),
        },
      },
    },
    async (request) => {
      const { limit, cursor, stage } = request.query;
      const query = [
        `WorkflowType = 'trialUpgrade'`,
        ...(stage ? [`BillingStage = '${stage}'`] : []),
      ].join(' AND ');
      const page = await engine.client.workflowService.listWorkflowExecutions({
        namespace: engine.client.options.namespace,
        query,
        pageSize: limit,
        nextPageToken: cursor
          ? Buffer.from(decodeCursor(cursor, z.object({ t: z.string() })).t, 'base64')
          : undefined,
      });
      const keyword = (
        fields: Record<string, { data?: Uint8Array | null }> | null | undefined,
        name: string,
      ) => {
        const data = fields?.[name]?.data;
        return data ? (JSON.parse(Buffer.from(data).toString()) as string) : null;
      };
      const items = (page.executions ?? []).map((e) => {
        const fields = e.searchAttributes?.indexedFields ?? {};
        const workflowId = e.execution?.workflowId ?? '';
        return {
          accountId: keyword(fields, 'AccountId') ?? workflowId.replace(/^trial-upgrade\//, ''),
          workflowId,
          stage: keyword(fields, 'BillingStage'),
          status: EXECUTION_STATUS[Number(e.status)] ?? 'UNKNOWN',
          startedAt: e.startTime?.seconds
            ? new Date(Number(e.startTime.seconds) * 1000).toISOString()
            : null,
        };
      });
      const token = page.nextPageToken?.length
        ? Buffer.from(page.nextPageToken).toString('base64')
        : null;
      return { items, nextCursor: token ? encodeCursor({ t: token }) : null };
    },
  );
}
