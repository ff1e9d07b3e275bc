/**
 * `bills ...` for ops and billing staff: the bills waiting in payment_failed,
 * one bill's state, a billing retry (default payment method), and giving up on
 * a failed payment (what is owed becomes arrears).
 */
import type { Command } from 'commander';
import { collectPages, moreHint, withPageOptions, type PageOptions } from './pages';
import type { CliModule } from './types';

interface BillState {
  billId: string;
  accountId: string;
  stage: string;
  currency: string;
  amount: string;
  couponDeduction: string;
  fundsPaid: string;
  charged: string;
  arrearsAmount: string;
  outstanding: string;
  paymentFailure: { reason: string; attempt: number; amount: string } | null;
  payments: unknown[];
}

const path = (billId: string): string => `/v1/bills/${encodeURIComponent(billId)}`;

/** What a person needs to see of a bill (the full state with --json). */
function summary(s: BillState): Record<string, unknown> {
  return {
    billId: s.billId,
    accountId: s.accountId,
    stage: s.stage,
    amount: `${s.amount} ${s.currency}`,
    couponDeduction: s.couponDeduction,
    fundsPaid: s.fundsPaid,
    charged: s.charged,
    arrears: s.arrearsAmount,
    outstanding: s.outstanding,
    paymentFailure: s.paymentFailure
      ? `${s.paymentFailure.reason} (attempt ${s.paymentFailure.attempt}, ${s.paymentFailure.amount})`
      : '',
    attempts: s.payments.length,
  };
}

export const billCommands: CliModule = (program: Command, ctx) => {
  const bills = program.command('bills').description('pay-as-you-go bills: payment failures');
  const show = (state: BillState) =>
    ctx.out().record(ctx.out().json ? { ...state } : summary(state));

  withPageOptions(bills.command('failed'))
    .description('bills waiting in payment_failed for a retry')
    .option('--account <accountId>', 'only this account')
    .action(async (o: PageOptions & { account?: string }) => {
      const page = await collectPages<Record<string, unknown>>(
        ctx,
        '/v1/bills',
        { stage: 'payment_failed', accountId: o.account },
        o,
        'bills',
      );
      ctx.out().table(page.items, ['billId', 'accountId', 'startedAt'], page);
      moreHint(ctx, page, o);
    });

  bills
    .command('show <billId>')
    .description("a bill's stage and what coupons, funds and the card paid")
    .action(async (billId: string) => show(await ctx.api().get<BillState>(path(billId))));

  bills
    .command('retry <billId>')
    .description('billing retry of a bill in payment_failed, with the default payment method')
    .action(async (billId: string) => {
      ctx.out().progress(`charging bill ${billId} again`);
      show(await ctx.api().send<BillState>('POST', `${path(billId)}/retry-payment`, {}));
    });

  bills
    .command('cancel-payment <billId>')
    .description('give up on a failed payment: what the bill owes becomes arrears')
    .requiredOption('--reason <text>', 'why (kept on the bill)')
    .action(async (billId: string, o: { reason: string }) => {
      show(
        await ctx
          .api()
          .send<BillState>('POST', `${path(billId)}/cancel-payment`, { reason: o.reason }),
      );
    });
};
