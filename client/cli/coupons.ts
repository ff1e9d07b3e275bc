/**
 * `coupons ...` and `organizations ...`: an account's coupons (its own and shared
 * with it) with the seed's filters, one coupon's history, an order's or bill's
 * coupon deduction amount, sharing and cancelling a share, and the membership
 * organization shares follow.
 */
import type { Command } from 'commander';
import { collectPages, moreHint, withPageOptions, type PageOptions } from './pages';
import { CliUsageError, type CliModule } from './types';

type Movement = {
  kind: string;
  balanceDelta: string;
  balanceAfter: string;
  statusAfter: string;
  orderId: string | null;
  billId: string | null;
  at: string;
};

const couponsOf = (accountId: string): string =>
  `/v1/accounts/${encodeURIComponent(accountId)}/coupons`;

export const couponCommands: CliModule = (program: Command, ctx) => {
  /** Sends a change and shows the answer. */
  const sendAndShow = async (method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown) =>
    ctx.out().record(await ctx.api().send<Record<string, unknown>>(method, path, body));
  const coupons = program.command('coupons').description('coupons: list, history, sharing');

  withPageOptions(coupons.command('list <accountId>'))
    .description('coupons the account owns or that are shared with it, soonest expiry first')
    .option('--status <status>', 'available, frozen, used, expired or invalid')
    .option('--valid-from <instant>', 'valid at some time from this instant')
    .option('--valid-to <instant>', '... and before this one')
    .option('--number <couponNumber>', 'exact coupon number')
    .action(
      async (
        accountId: string,
        o: PageOptions & { status?: string; validFrom?: string; validTo?: string; number?: string },
      ) => {
        const page = await collectPages<Record<string, unknown>>(
          ctx,
          couponsOf(accountId),
          {
            status: o.status,
            validFrom: o.validFrom,
            validTo: o.validTo,
            couponNumber: o.number,
          },
          o,
          'coupons',
        );
        ctx
          .out()
          .table(
            page.items,
            [
              'couponId',
              'couponNumber',
              'kind',
              'balance',
              'currency',
              'status',
              'expiresAt',
              'shared',
            ],
            page,
          );
        moreHint(ctx, page, o);
      },
    );

  coupons
    .command('show <accountId> <couponId>')
    .description('"view details": the coupon and every movement, oldest first')
    .action(async (accountId: string, couponId: string) => {
      const history = await ctx
        .api()
        .get<{ coupon: Record<string, unknown>; movements: Movement[] }>(
          `${couponsOf(accountId)}/${encodeURIComponent(couponId)}`,
        );
      if (ctx.out().json) return ctx.out().record({ ...history });
      ctx.out().record(history.coupon);
      ctx
        .out()
        .table(history.movements, [
          'kind',
          'balanceDelta',
          'balanceAfter',
          'statusAfter',
          'orderId',
          'billId',
          'at',
        ]);
    });

  coupons
    .command('deduction')
    .description("an order's or a bill's coupon deduction amount (deducted, returned, net)")
    .option('--order <orderId>', 'the order')
    .option('--bill <billId>', 'the bill')
    .action(async (o: { order?: string; bill?: string }) => {
      if (Boolean(o.order) === Boolean(o.bill)) {
        throw new CliUsageError('give exactly one of --order <orderId> or --bill <billId>');
      }
      const path = o.order
        ? `/v1/orders/${encodeURIComponent(o.order)}/coupon-deduction`
        : `/v1/bills/${encodeURIComponent(o.bill ?? '')}/coupon-deduction`;
      ctx.out().record(await ctx.api().get<Record<string, unknown>>(path));
    });

  coupons
    .command('share <accountId> <couponId>')
    .description("share the account's coupon with its organization or with listed accounts")
    .option('--organization <organizationId>', "the owner's organization")
    .option('--accounts <ids>', 'comma-separated account ids')
    .action(
      async (
        accountId: string,
        couponId: string,
        o: { organization?: string; accounts?: string },
      ) => {
        if (Boolean(o.organization) === Boolean(o.accounts)) {
          throw new CliUsageError(
            'give exactly one of --organization <id> or --accounts <id,id,...>',
          );
        }
        const body = o.organization
          ? { scope: 'organization', organizationId: o.organization }
          : { scope: 'accounts', accountIds: (o.accounts ?? '').split(',').map((a) => a.trim()) };
        await sendAndShow(
          'POST',
          `${couponsOf(accountId)}/${encodeURIComponent(couponId)}/shares`,
          body,
        );
      },
    );

  coupons
    .command('unshare <accountId> <couponId> <shareId>')
    .description('cancel a share: the accounts it reached lose the coupon')
    .action(async (accountId: string, couponId: string, shareId: string) => {
      await sendAndShow(
        'DELETE',
        `${couponsOf(accountId)}/${encodeURIComponent(couponId)}/shares/${encodeURIComponent(shareId)}`,
      );
    });

  const organizations = program
    .command('organizations')
    .description('organizations and membership (what organization shares follow)');
  organizations
    .command('record <organizationId> <name>')
    .description('record an organization, or rename it')
    .action(async (organizationId: string, name: string) => {
      await sendAndShow('PUT', `/v1/organizations/${encodeURIComponent(organizationId)}`, { name });
    });
  organizations
    .command('join <accountId> <organizationId>')
    .description('the account joins the organization')
    .action(async (accountId: string, organizationId: string) => {
      await sendAndShow('PUT', `/v1/accounts/${encodeURIComponent(accountId)}/organization`, {
        organizationId,
      });
    });
  organizations
    .command('leave <accountId> <organizationId>')
    .description('the account leaves the organization (its shares there end)')
    .action(async (accountId: string, organizationId: string) => {
      await sendAndShow(
        'DELETE',
        `/v1/accounts/${encodeURIComponent(accountId)}/organization/${encodeURIComponent(organizationId)}`,
      );
    });
};
