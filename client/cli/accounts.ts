/** `accounts ...` and `codes ...`: balances, Add Funds > Promo Code, redeemed codes. */
import type { Command } from 'commander';
import { collectPages, moreHint, withPageOptions, type PageOptions } from './pages';
import type { CliModule } from './types';

export const accountCommands: CliModule = (program: Command, ctx) => {
  program
    .command('accounts')
    .description('accounts')
    .command('show <accountId>')
    .description('status, funds balance and arrears')
    .action(async (accountId: string) => {
      ctx.out().record(await ctx.api().get(`/v1/accounts/${encodeURIComponent(accountId)}`));
    });

  const codes = program.command('codes').description('promo and coupon codes');
  codes
    .command('redeem <accountId> <code>')
    .description('Add Funds > Promo Code on an upgraded account (credit or coupon, once)')
    .action(async (accountId: string, code: string) => {
      ctx.out().progress(`redeeming for ${accountId}`);
      ctx
        .out()
        .record(
          await ctx
            .api()
            .send('POST', `/v1/accounts/${encodeURIComponent(accountId)}/promo-codes`, { code }),
        );
    });
  withPageOptions(codes.command('list <accountId>'))
    .description('the codes an account redeemed, newest first')
    .action(async (accountId: string, o: PageOptions) => {
      const page = await collectPages<Record<string, unknown>>(
        ctx,
        `/v1/accounts/${encodeURIComponent(accountId)}/promo-codes`,
        {},
        o,
        'codes',
      );
      ctx.out().table(page.items, ['code', 'grant', 'fundsAdded', 'couponId', 'redeemedAt'], page);
      moreHint(ctx, page, o);
    });
};
