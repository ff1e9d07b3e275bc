/** `upgrades ...`: trial upgrades for ops: list by stage, show, confirm, cancel. */
import { Option, type Command } from 'commander';
import type { CliModule } from './types';

interface UpgradePage {
  items: Array<Record<string, unknown>>;
  nextCursor: string | null;
}

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
];

export const trialUpgradeCommands: CliModule = (program: Command, ctx) => {
  const upgrades = program.command('upgrades').description('trial upgrades (seed 000)');

  upgrades
    .command('list')
    .description('trial upgrades, newest first, optionally in one stage')
    .addOption(new Option('--stage <stage>', 'only this BillingStage').choices(STAGES))
    .option('--limit <n>', 'rows per page (1-100)', '20')
    .option('--cursor <cursor>', 'start at this page (nextCursor of the previous one)')
    .option('--all', 'follow every page')
    .action(async (o: { stage?: string; limit: string; cursor?: string; all?: boolean }) => {
      const items: Array<Record<string, unknown>> = [];
      let cursor = o.cursor;
      let page: UpgradePage;
      for (let n = 1; ; n++) {
        page = await ctx.api().get<UpgradePage>('/v1/trial-upgrades', {
          stage: o.stage,
          limit: o.limit,
          cursor,
        });
        items.push(...page.items);
        if (!o.all || !page.nextCursor) break;
        ctx.out().progress(`page ${n}: ${items.length} upgrades so far`);
        cursor = page.nextCursor;
      }
      ctx.out().table(items, ['accountId', 'stage', 'status', 'startedAt'], {
        items,
        nextCursor: page.nextCursor,
      });
      if (page.nextCursor && !o.all) ctx.out().line(`more: --cursor ${page.nextCursor}`);
    });

  upgrades
    .command('show <accountId>')
    .description('stage, missing steps, verification and masked details of one upgrade')
    .action(async (accountId: string) => {
      ctx.out().record(await ctx.api().get(`/v1/trial-upgrades/${encodeURIComponent(accountId)}`));
    });

  upgrades
    .command('confirm <accountId>')
    .description('"Upgrade Account" once every step is done (refused with what is missing)')
    .action(async (accountId: string) => {
      ctx.out().progress(`upgrading ${accountId}`);
      ctx
        .out()
        .record(
          await ctx
            .api()
            .send('POST', `/v1/trial-upgrades/${encodeURIComponent(accountId)}/confirm`),
        );
    });

  upgrades
    .command('cancel <accountId>')
    .description('cancel an upgrade (the account stays a trial)')
    .requiredOption('--reason <text>', 'why (kept in the workflow)')
    .action(async (accountId: string, o: { reason: string }) => {
      ctx.out().record(
        await ctx.api().send('POST', `/v1/trial-upgrades/${encodeURIComponent(accountId)}/cancel`, {
          reason: o.reason,
        }),
      );
    });
};
