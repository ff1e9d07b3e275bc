/**
 * Accounts, promo codes and their redemptions: Billing > Add Funds > Promo Code
 * on an upgraded account (seed 000; a coupon code grants its coupon the same
 * way), the account's balances, and the codes it redeemed. Redemption goes
 * through the `promo-code/<accountId>/<digest>` workflow (client/trial-upgrade.ts
 * `promoCodeWorkflowId`), so it happens once.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AccountIdSchema } from '../../domain/contracts';
import { PromoCodeSchema } from '../../domain/upgrade-contracts';
import { amountOf, currencyOf } from '../../activities/ledger/rows';
import { accountBalancesOf } from '../../client/statement';
import { addFundsWithPromoCode } from '../../client/trial-upgrade';
import { decodeCursor, encodeCursor, PageQuerySchema, pageOf } from '../pagination';
import { ApiProblem } from '../problems';
import type { ApiDeps } from './types';

const tags = ['promo codes'];
const AccountParamsSchema = z.object({ accountId: AccountIdSchema });

const RedemptionResultSchema = z
  .object({
    accountId: z.string(),
    code: z.string(),
    grant: z.enum(['funds', 'coupon']),
    fundsAdded: z.string().nullable(),
    couponId: z.string().nullable(),
    fundsBalance: z.string(),
  })
  .meta({ id: 'PromoCodeRedemption' });

const AccountSchema = z
  .object({
    accountId: z.string(),
    status: z.enum(['trial', 'upgraded']),
    currency: z.string(),
    fundsBalance: z.string(),
    arrears: z.string(),
    automaticRechargeEnabled: z.boolean(),
    upgradedAt: z.string().nullable(),
  })
  .meta({ id: 'Account' });

const RedeemedCodeSchema = z
  .object({
    code: z.string(),
    grant: z.enum(['funds', 'coupon']),
    fundsAdded: z.string().nullable(),
    couponId: z.string().nullable(),
    redeemedAt: z.string(),
  })
  .meta({ id: 'RedeemedCode' });

const CursorSchema = z.object({ at: z.string(), id: z.string() });

export function accountRoutes(server: FastifyInstance, deps: ApiDeps): void {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const { db, engine } = deps;

  const accountOrThrow = async (accountId: string) => {
    const account = await db.account.findUnique({ where: { id: accountId } });
    if (!account) throw new ApiProblem(404, 'account_not_found', `No account ${accountId}`);
    return account;
  };

  app.post(
    '/v1/accounts/:accountId/promo-codes',
    {
      config: { scopes: ['signup', 'billing'], rateLimit: 'code_redemptions' },
      schema: {
        tags,
        summary:
          'Add Funds > Promo Code on an upgraded account: credit (or a coupon) once; a trial account is refused (account_is_trial)',
        params: AccountParamsSchema,
        body: z.strictObject({ code: PromoCodeSchema }),
        response: { 200: RedemptionResultSchema },
      },
    },
    async (request) =>
      addFundsWithPromoCode(engine, {
        accountId: request.params.accountId,
        code: request.body.code,
      }),
  );

  app.get(
    '/v1/accounts/:accountId',
    {
      config: { scopes: ['signup', 'ops', 'billing'] },
      schema: {
        tags,
        summary: 'Status, funds balance and arrears of an account',
        params: AccountParamsSchema,
        response: { 200: AccountSchema },
      },
    },
    async (request) => {
      return accountBalancesOf(await accountOrThrow(request.params.accountId));
    },
  );

  app.get(
    '/v1/accounts/:accountId/promo-codes',
    {
      config: { scopes: ['signup', 'ops', 'billing'] },
      schema: {
        tags,
        summary: 'The promo and coupon codes the account redeemed, newest first',
        params: AccountParamsSchema,
        querystring: PageQuerySchema,
        response: { 200: pageOf(RedeemedCodeSchema).meta({ id: 'RedeemedCodePage' }) },
      },
    },
    async (request) => {
      const account = await accountOrThrow(request.params.accountId);
      const currency = currencyOf(account.currency);
      const { limit, cursor } = request.query;
      const after = cursor ? decodeCursor(cursor, CursorSchema) : null;
      const rows = await db.codeRedemption.findMany({
        where: {
          accountId: account.id,
          ...(after
            ? {
                OR: [
                  { createdAt: { lt: new Date(after.at) } },
                  { createdAt: new Date(after.at), id: { lt: after.id } },
                ],
              }
            : {}),
        },
        include: { redemption: { select: { grant: true } } },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: limit + 1,
      });
      const items = rows.slice(0, limit).map((r) => ({
        code: r.code,
        grant: r.redemption.grant,
        fundsAdded: r.fundsAmount ? amountOf(r.fundsAmount, currency) : null,
        couponId: r.couponId,
        redeemedAt: r.createdAt.toISOString(),
      }));
      const last = rows[limit - 1];
      return {
        items,
        nextCursor:
          rows.length > limit && last
            ? encodeCursor({ at: last.createdAt.toISOString(), id: last.id })
            : null,
      };
    },
  );
}
