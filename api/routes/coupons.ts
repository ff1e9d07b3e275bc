/**
 * Coupons over HTTP (seed 002 §Coupon list, §Sharing): an account's coupons (its
 * own and those shared with it) with the seed's filters and paging, a coupon's
 * usage history ("view details"), an order's or bill's coupon deduction amount,
 * and sharing a coupon (to the owner's organization or to listed accounts) or
 * cancelling a share. Reads and shares go through the typed coupon client
 * (client/coupons.ts), whose ledger operations validate, judge statuses at one
 * instant and refuse with typed codes; a share's operation key is the request's
 * Idempotency-Key.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  AccountIdSchema,
  BillIdSchema,
  CouponIdSchema,
  InstantSchema,
  OrderIdSchema,
  OrganizationIdSchema,
  ShareIdSchema,
} from '../../domain/contracts';
import { COUPON_STATUSES } from '../../domain/coupon';
import {
  cancelCouponShare,
  getCouponDeduction,
  getCouponHistory,
  listCoupons,
  shareCoupon,
} from '../../client/coupons';
import { ledgerOperationKey } from '../idempotency';
import { ApiProblem } from '../problems';
import { pageOf } from '../pagination';
import { refusalsAsProblems } from './refusals';
import type { ApiDeps } from './types';

const tags = ['coupons'];
const READERS = ['signup', 'ops', 'billing'] as const;
const OWNERS = ['signup', 'billing'] as const;
const AccountParamsSchema = z.object({ accountId: AccountIdSchema });
const CouponParamsSchema = AccountParamsSchema.extend({ couponId: CouponIdSchema });

const CouponSchema = z
  .object({
    couponId: z.string(),
    couponNumber: z.string(),
    ownerAccountId: z.string(),
    shared: z.boolean().describe('Not owned by the listing account: shared with it'),
    kind: z.enum(['cash', 'threshold', 'discount']),
    currency: z.string(),
    faceValue: z.string(),
    balance: z.string(),
    threshold: z.string().nullable(),
    discountPercent: z.string().nullable(),
    effectiveAt: z.string(),
    expiresAt: z.string(),
    scope: z.discriminatedUnion('type', [
      z.object({ type: z.literal('general') }),
      z.object({ type: z.literal('products'), productCodes: z.array(z.string()) }),
    ]),
    allProducts: z.boolean(),
    channel: z.enum(['official', 'marketplace']),
    orderTypes: z.array(z.string()),
    consumptionType: z.enum(['subscription', 'payg', 'any']),
    combinable: z.boolean(),
    status: z.enum(COUPON_STATUSES).describe('Effective status at the listing instant'),
    frozenForOrderId: z.string().nullable(),
  })
  .meta({ id: 'Coupon' });

const MovementSchema = z.object({
  couponId: z.string(),
  kind: z.enum(['redeem', 'freeze', 'release', 'deduct', 'return', 'expire', 'invalidate']),
  balanceDelta: z.string().describe('Signed, e.g. "-30.00"'),
  balanceAfter: z.string(),
  statusAfter: z.enum(COUPON_STATUSES),
  orderId: z.string().nullable(),
  billId: z.string().nullable(),
  operationKey: z.string(),
  at: z.string(),
});

const ShareSchema = z
  .object({
    shareId: z.string(),
    couponId: z.string(),
    scope: z.enum(['organization', 'accounts']),
    organizationId: z.string().nullable(),
    accountIds: z.array(z.string()),
    createdAt: z.string(),
    cancelledAt: z.string().nullable(),
  })
  .meta({ id: 'CouponShare' });

const DeductionSchema = z
  .object({
    orderId: z.string().nullable(),
    billId: z.string().nullable(),
    currency: z.string().nullable().describe('null when no coupon ever touched it'),
    deducted: z.string(),
    returned: z.string(),
    net: z.string().describe('deducted − returned: the coupon deduction amount shown now'),
    coupons: z.array(
      z.object({ couponId: z.string(), deducted: z.string(), returned: z.string() }),
    ),
  })
  .meta({ id: 'CouponDeduction' });

const ListQuerySchema = z
  .object({
    status: z.enum(COUPON_STATUSES).optional(),
    validFrom: InstantSchema.optional().describe('Coupons valid at some time from this instant'),
    validTo: InstantSchema.optional().describe('... and before this one'),
    couponNumber: z.string().min(1).max(64).optional().describe('Exact coupon number'),
    limit: z.coerce
      .number({ error: 'A whole number from 1 to 100' })
      .int({ error: 'A whole number from 1 to 100' })
      .min(1)
      .max(100)
      .default(20),
    cursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,300}$/, { error: 'The nextCursor of the previous page' })
      .optional(),
  })
  .refine(
    (q) =>
      q.validFrom === undefined ||
      q.validTo === undefined ||
      Date.parse(q.validFrom) < Date.parse(q.validTo),
    { error: 'validFrom must be before validTo', path: ['validTo'] },
  );

const ShareBodySchema = z.discriminatedUnion('scope', [
  z.strictObject({
    scope: z.literal('organization'),
    organizationId: OrganizationIdSchema.describe('The owner’s organization'),
  }),
  z.strictObject({
    scope: z.literal('accounts'),
    accountIds: z.array(AccountIdSchema).min(1).max(100),
  }),
]);

export function couponRoutes(server: FastifyInstance, deps: ApiDeps): void {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const ledger = { db: deps.db };
  const query = (path: string) => `query.${path}`;

  const accountOrThrow = async (accountId: string): Promise<void> => {
    const found = await deps.db.account.findUnique({
      where: { id: accountId },
      select: { id: true },
    });
    if (!found) throw new ApiProblem(404, 'account_not_found', `No account ${accountId}`);
  };
  app.get(
    '/v1/accounts/:accountId/coupons',
    {
      config: { scopes: READERS },
      schema: {
        tags,
        summary:
          'The coupons the account owns or that are shared with it, soonest expiry first; statuses as of the first page',
        params: AccountParamsSchema,
        querystring: ListQuerySchema,
        response: { 200: pageOf(CouponSchema).meta({ id: 'CouponPage' }) },
      },
    },
    async (request) => {
      await accountOrThrow(request.params.accountId);
      return refusalsAsProblems(
        () => listCoupons(ledger, { accountId: request.params.accountId, ...request.query }),
        query,
      );
    },
  );

  app.get(
    '/v1/accounts/:accountId/coupons/:couponId',
    {
      config: { scopes: READERS },
      schema: {
        tags,
        summary:
          '"View details": the coupon and every movement (grant, freeze, deduction, return, expiry), oldest first',
        params: CouponParamsSchema,
        response: {
          200: z
            .object({ coupon: CouponSchema, movements: z.array(MovementSchema) })
            .meta({ id: 'CouponHistory' }),
        },
      },
    },
    async (request) => {
      await accountOrThrow(request.params.accountId);
      return refusalsAsProblems(() => getCouponHistory(ledger, request.params), query);
    },
  );

  app.post(
    '/v1/accounts/:accountId/coupons/:couponId/shares',
    {
      config: { scopes: OWNERS },
      schema: {
        tags,
        summary:
          "Share the account's coupon with its organization (following membership) or with listed accounts",
        params: CouponParamsSchema,
        body: ShareBodySchema,
        response: { 201: ShareSchema },
      },
    },
    async (request, reply) => {
      const { accountId, couponId } = request.params;
      const share = await refusalsAsProblems(() =>
        shareCoupon(ledger, {
          couponId,
          ownerAccountId: accountId,
          ...request.body,
          operationKey: ledgerOperationKey(request.idempotency),
          at: new Date().toISOString(),
        }),
      );
      return reply.code(201).send(share);
    },
  );

  app.delete(
    '/v1/accounts/:accountId/coupons/:couponId/shares/:shareId',
    {
      config: { scopes: OWNERS },
      schema: {
        tags,
        summary: 'Cancel a share: the accounts it reached lose the coupon (a frozen use stays)',
        params: CouponParamsSchema.extend({ shareId: ShareIdSchema }),
        response: { 200: ShareSchema },
      },
    },
    async (request) => {
      const { accountId, couponId, shareId } = request.params;
      const share = await deps.db.couponShare.findUnique({ where: { id: shareId } });
      if (!share || share.couponId !== couponId) {
        throw new ApiProblem(404, 'share_not_found', `No share ${shareId} of coupon ${couponId}`);
      }
      return refusalsAsProblems(() =>
        cancelCouponShare(ledger, {
          shareId,
          ownerAccountId: accountId,
          operationKey: ledgerOperationKey(request.idempotency),
          at: new Date().toISOString(),
        }),
      );
    },
  );

  app.get(
    '/v1/orders/:orderId/coupon-deduction',
    {
      config: { scopes: READERS },
      schema: {
        tags,
        summary: "The order's coupon deduction amount: per coupon, deducted and returned",
        params: z.object({ orderId: OrderIdSchema }),
        response: { 200: DeductionSchema },
      },
    },
    async (request) =>
      refusalsAsProblems(() => getCouponDeduction(ledger, { orderId: request.params.orderId })),
  );

  app.get(
    '/v1/bills/:billId/coupon-deduction',
    {
      config: { scopes: READERS },
      schema: {
        tags,
        summary: "The bill's coupon deduction amount: per coupon, drawn and returned",
        params: z.object({ billId: BillIdSchema }),
        response: { 200: DeductionSchema },
      },
    },
    async (request) =>
      refusalsAsProblems(() => getCouponDeduction(ledger, { billId: request.params.billId })),
  );
}
