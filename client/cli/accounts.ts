/** `accounts ...` and `codes ...`: balances, Add Funds > Promo Code, redeemed codes. */
import type { Command } from 'commander';
import type { CliModule } from './types';

interface RedeemedPage {
  items: Array<Record<string, unknown>>;
  nextCursor: string | null;
}

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
  codes
    .command('list <accountId>')
    .description('the codes an account redeemed, newest first')
    .option('--limit <n>', 'rows per page (1-100)', '20')
    .option('--cursor <cursor>', 'start at this page')
    .option('--all', 'follow every page')
    .action(async (accountId: string, o: { limit: string; cursor?: string; all?: boolean }) => {
      const items: Array<Record<string, unknown>> = [];
      let cursor = o.cursor;
      let page: RedeemedPage;
      for (let n = 1; ; n++) {
        page = await ctx
          .api()
          .get<RedeemedPage>(`/v1/accounts/${encodeURIComponent(accountId)}/promo-codes`, {
            limit: o.limit,
            cursor,
          });
        items.push(...page.items);
        if (!o.all || !page.nextCursor) break;
        ctx.out().progress(`page ${n}: ${items.length} codes so far`);
        cursor = page.nextCursor;
      }
      ctx.out().table(items, ['code', 'grant', 'fundsAdded', 'couponId', 'redeemedAt'], {
        items,
        nextCursor: page.nextCursor,
      });
      if (page.nextCursor && !o.all) ctx.out().line(`more: --cursor ${page.nextCursor}`);
    });
};
