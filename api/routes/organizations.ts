/**
 * Organizations and membership (seed 002 §Sharing): a coupon shared "to the
 * owner's organization" reaches every account in it, following accounts as they
 * join or leave. The provider's account system owns organizations; the engine
 * records them (PUT, harmless to repeat) and who is in which, through the typed
 * coupon client. A membership change's operation key is the Idempotency-Key.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AccountIdSchema, OrganizationIdSchema } from '../../domain/contracts';
import { joinOrganization, leaveOrganization, registerOrganization } from '../../client/coupons';
import { ledgerOperationKey } from '../idempotency';
import { refusalsAsProblems } from './refusals';
import type { ApiDeps } from './types';

const tags = ['organizations'];
const MANAGERS = ['signup', 'ops'] as const;

const OrganizationSchema = z
  .object({ organizationId: z.string(), name: z.string(), createdAt: z.string() })
  .meta({ id: 'Organization' });
const MembershipSchema = z
  .object({
    accountId: z.string(),
    organizationId: z.string().nullable().describe('null once the account has left'),
  })
  .meta({ id: 'Membership' });
const MemberParamsSchema = z.object({ accountId: AccountIdSchema });

export function organizationRoutes(server: FastifyInstance, deps: ApiDeps): void {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const ledger = { db: deps.db };

  app.put(
    '/v1/organizations/:organizationId',
    {
      config: { scopes: MANAGERS },
      schema: {
        tags,
        summary: 'Record an organization (or rename it), so accounts can join it',
        params: z.object({ organizationId: OrganizationIdSchema }),
        body: z.strictObject({ name: z.string().trim().min(1).max(200) }),
        response: { 200: OrganizationSchema },
      },
    },
    async (request) =>
      refusalsAsProblems(() =>
        registerOrganization(ledger, {
          organizationId: request.params.organizationId,
          name: request.body.name,
        }),
      ),
  );

  app.put(
    '/v1/accounts/:accountId/organization',
    {
      config: { scopes: MANAGERS },
      schema: {
        tags,
        summary:
          'The account joins the organization (leaving its previous one: its shares there end)',
        params: MemberParamsSchema,
        body: z.strictObject({ organizationId: OrganizationIdSchema }),
        response: { 200: MembershipSchema },
      },
    },
    async (request) =>
      refusalsAsProblems(() =>
        joinOrganization(ledger, {
          accountId: request.params.accountId,
          organizationId: request.body.organizationId,
          operationKey: ledgerOperationKey(request.idempotency),
        }),
      ),
  );

  app.delete(
    '/v1/accounts/:accountId/organization/:organizationId',
    {
      config: { scopes: MANAGERS },
      schema: {
        tags,
        summary:
          'The account leaves the organization: it loses what is shared there, its own shares there end',
        params: MemberParamsSchema.extend({ organizationId: OrganizationIdSchema }),
        response: { 200: MembershipSchema },
      },
    },
    async (request) =>
      refusalsAsProblems(
        () =>
          leaveOrganization(ledger, {
            ...request.params,
            operationKey: ledgerOperationKey(request.idempotency),
          }),
        (path) => `params.${path}`,
      ),
  );
}
