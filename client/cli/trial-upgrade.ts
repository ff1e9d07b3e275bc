/** `upgrades ...`: trial upgrades for ops: list by stage, show, confirm, cancel. */
import { Option, type Command } from 'commander';
import { collectPages, moreHint, withPageOptions, type PageOptions } from './pages';
import type { CliModule } from './types';

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

  withPageOptions(upgrades.command('list'))
    .description('trial upgrades, newest first, optionally in one stage')
    .addOption(new Option('--stage <stage>', 'only this BillingStage').choices(STAGES))
    .action(async (o: PageOptions & { stage?: string }) => {
      const page = await collectPages<Record<string, unknown>>(
        ctx,
        '/v1/trial-upgrades',
        { stage: o.stage },
        o,
        'upgrades',
      );
      ctx.out().table(page.items, ['accountId', 'stage', 'status', 'startedAt'], page);
      moreHint(ctx, page, o);
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
