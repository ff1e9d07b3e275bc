/**
 * The Order row: the order workflow's state as the database (and the billing
 * pages) see it. `recordOrder` writes the whole snapshot, so calling it again
 * with the same snapshot (a retry, a replay) changes nothing; the workflow calls
 * it at each step, one at a time.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Amount, CurrencyCode } from '../../domain/money';
import type { OrderType } from '../../domain/coupon';
import type { Database } from '../database';

export type OrderStatus =
  | 'pending_payment'
  | 'payment_failed'
  | 'paid'
  | 'provisioned'
  | 'provisioning_failed'
  | 'cancelled'
  | 'unsubscribed';

export interface OrderSnapshot {
  orderId: string;
  accountId: string;
  commodityCode: string;
  orderType: Exclude<OrderType, 'payg_bill'>;
  amount: Amount;
  currency: CurrencyCode;
  durationMonths?: number;
  couponId: string | null;
  /** The "coupon deduction amount" shown on the order. */
  couponDeduction: Amount;
  payable: Amount;
  status: OrderStatus;
  paymentId: string | null;
}

export interface OrderRowView extends OrderSnapshot {
  createdAt: string;
  updatedAt: string;
}

const refusal = (message: string, type: string, details: Record<string, unknown>) =>
  ApplicationFailure.nonRetryable(message, type, details);

export function createOrderActivities(db: Database) {
  return {
    /**
     * Creates or updates the Order row to the snapshot. The first write checks
     * the account and the product exist (refused `account_not_found` /
     * `product_not_found`, nothing written); the order's terms never change after.
     */
    async recordOrder(snapshot: OrderSnapshot): Promise<OrderRowView> {
      const state = {
        couponId: snapshot.couponId,
        couponDeduction: snapshot.couponDeduction,
        payable: snapshot.payable,
        status: snapshot.status,
        paymentId: snapshot.paymentId,
      };
      // Every step after the first finds the row: one statement, no transaction held open.
      const [updated] = await db.order.updateManyAndReturn({
        where: { id: snapshot.orderId, accountId: snapshot.accountId },
        data: state,
      });
      const row =
        updated ??
        (await db.$transaction(async (tx) => {
          const existing = await tx.order.findUnique({ where: { id: snapshot.orderId } });
          if (existing) {
            if (existing.accountId !== snapshot.accountId) {
              throw refusal(
                `order ${snapshot.orderId} belongs to another account`,
                'order_id_taken',
                { orderId: snapshot.orderId },
              );
            }
            return tx.order.update({ where: { id: snapshot.orderId }, data: state });
          }
          const [account, product] = await Promise.all([
            tx.account.findUnique({ where: { id: snapshot.accountId } }),
            tx.product.findUnique({ where: { commodityCode: snapshot.commodityCode } }),
          ]);
          if (!account) {
            throw refusal(`accountId: no account ${snapshot.accountId}`, 'account_not_found', {
              field: 'accountId',
            });
          }
          if (!product) {
            throw refusal(
              `commodityCode: no product with commodity code ${snapshot.commodityCode}`,
              'product_not_found',
              { field: 'commodityCode' },
            );
          }
          return tx.order.create({
            data: {
              id: snapshot.orderId,
              accountId: snapshot.accountId,
              commodityCode: snapshot.commodityCode,
              orderType: snapshot.orderType,
              amount: snapshot.amount,
              currency: snapshot.currency,
              durationMonths: snapshot.durationMonths ?? null,
              ...state,
            },
          });
        }));
      return {
        orderId: row.id,
        accountId: row.accountId,
        commodityCode: row.commodityCode,
        orderType: snapshot.orderType,
        amount: snapshot.amount,
        currency: snapshot.currency,
        ...(row.durationMonths !== null ? { durationMonths: row.durationMonths } : {}),
        couponId: row.couponId,
        couponDeduction: snapshot.couponDeduction,
        payable: snapshot.payable,
        status: row.status,
        paymentId: row.paymentId,
        createdAt: row.createdAt.toISOString(),
        updatedAt: row.updatedAt.toISOString(),
      };
    },
  };
}

export type OrderActivities = ReturnType<typeof createOrderActivities>;
