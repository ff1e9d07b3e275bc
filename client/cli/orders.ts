/**
 * `orders ...` for ops and billing staff: the orders waiting in payment_failed,
 * one order's state, and a billing retry (the default payment method; a new card
 * goes through the HTTP API or the signup service, never the command line).
 */
import type { Command } from 'commander';
import { collectPages, moreHint, withPageOptions, type PageOptions } from './pages';
import type { CliModule } from './types';

interface OrderState {
  orderId: string;
  accountId: string;
  orderType: string;
  stage: string;
  status: string;
  amount: string;
  currency: string;
  payable: string;
  coupon: { couponId: string; deduction: string; state: string } | null;
  payments: Array<{ attempt: number; status: string; reason?: string; at: string }>;
  paymentDeadline: string;
  termEndsAt: string | null;
}

interface PaymentOutcome {
  orderId: string;
  stage: string;
  paid: boolean;
  payable: string;
  couponDeduction: string;
  attempt: { attempt: number; status: string; reason?: string; method: string } | null;
}

const path = (orderId: string): string => `/v1/orders/${encodeURIComponent(orderId)}`;

/** What a person needs to see of an order (the full state with --json). */
function summary(s: OrderState): Record<string, unknown> {
  const last = s.payments.at(-1);
  return {
    orderId: s.orderId,
    accountId: s.accountId,
    orderType: s.orderType,
    stage: s.stage,
    amount: `${s.amount} ${s.currency}`,
    payable: s.payable,
    coupon: s.coupon ? `${s.coupon.couponId} (${s.coupon.deduction}, ${s.coupon.state})` : '',
    attempts: s.payments.length,
    lastAttempt: last
      ? `#${last.attempt} ${last.status}${last.reason ? ` (${last.reason})` : ''}`
      : '',
    paymentDeadline: s.paymentDeadline,
    termEndsAt: s.termEndsAt,
  };
}

export const orderCommands: CliModule = (program: Command, ctx) => {
  const orders = program.command('orders').description('orders: payment failures and retries');

  withPageOptions(orders.command('failed'))
    .description('orders waiting in payment_failed for a retry')
    .option('--account <accountId>', 'only this account')
    .action(async (o: PageOptions & { account?: string }) => {
      const page = await collectPages<Record<string, unknown>>(
        ctx,
        '/v1/orders',
        { stage: 'payment_failed', accountId: o.account },
        o,
        'orders',
      );
      ctx.out().table(page.items, ['orderId', 'accountId', 'startedAt'], page);
      moreHint(ctx, page, o);
    });

  orders
    .command('show <orderId>')
    .description("an order's stage, coupon, payable amount and payment attempts")
    .action(async (orderId: string) => {
      const state = await ctx.api().get<OrderState>(path(orderId));
      ctx.out().record(ctx.out().json ? { ...state } : summary(state));
    });

  orders
    .command('retry <orderId>')
    .description('billing retry of an order in payment_failed, with its default payment method')
    .action(async (orderId: string) => {
      ctx.out().progress(`charging order ${orderId} again`);
      const outcome = await ctx
        .api()
        .send<PaymentOutcome>('POST', `${path(orderId)}/retry-payment`, {});
      const a = outcome.attempt;
      ctx.out().record(
        ctx.out().json
          ? { ...outcome }
          : {
              orderId: outcome.orderId,
              paid: outcome.paid,
              stage: outcome.stage,
              payable: outcome.payable,
              couponDeduction: outcome.couponDeduction,
              attempt: a ? `#${a.attempt} ${a.status}${a.reason ? ` (${a.reason})` : ''}` : '',
              method: a?.method ?? '',
            },
      );
    });
};
