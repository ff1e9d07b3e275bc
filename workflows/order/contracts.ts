/**
 * What the order workflow and its updates accept, built on domain/contracts
 * (OrderCreationSchema: ids, amounts fitting the currency, order types, one
 * coupon). Strict objects: an unexpected field is refused by the validator.
 */
import { z } from 'zod';
import { OrderCreationSchema, OrderIdSchema } from '../../domain/contracts';
import { TokenizedPaymentMethodSchema } from '../trial-upgrade/contracts';

const WindowSchema = z
  .int()
  .min(1000, { error: 'At least one second' })
  .max(365 * 86_400_000, { error: 'At most 365 days' });

/** How a renewal order came about (seed 002 §Paying an order, renewal). */
export const RenewalSchema = z.strictObject({
  renewsOrderId: OrderIdSchema,
  /** true: auto-renewal, the engine picks the coupon by rule and pays at once. */
  auto: z.boolean(),
});

export const OrderWorkflowInputSchema = z
  .strictObject({
    order: OrderCreationSchema,
    /** ORDER_PAYMENT_WINDOW in ms, passed by the client library. */
    paymentWindowMs: WindowSchema,
    renewal: RenewalSchema.optional(),
  })
  .superRefine((input, ctx) => {
    if (input.renewal && input.order.orderType !== 'renewal') {
      ctx.addIssue({
        code: 'custom',
        message: 'A renewal must have order type renewal',
        path: ['order', 'orderType'],
      });
    }
    if (input.renewal?.auto && input.order.couponId !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'Auto-renewal chooses its coupon by rule; give none',
        path: ['order', 'couponId'],
      });
    }
    // Renewals started at term end are `<orderId>-r<n>`: leave room for the suffix.
    if (input.order.autoRenew && input.order.orderId.length > 58) {
      ctx.addIssue({
        code: 'custom',
        message: 'An auto-renewing order id is at most 58 characters',
        path: ['order', 'orderId'],
      });
    }
    if (input.order.autoRenew && input.order.durationMonths === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'Auto-renewal needs a duration (the term that renews)',
        path: ['order', 'durationMonths'],
      });
    }
  });

export type OrderWorkflowInput = z.input<typeof OrderWorkflowInputSchema>;
export type ParsedOrderWorkflowInput = z.output<typeof OrderWorkflowInputSchema>;

/** pay: the default payment method, or a method the client tokenized. */
export const PayOrderSchema = z.strictObject({
  paymentMethod: TokenizedPaymentMethodSchema.optional(),
  /**
   * When the update returns: `paid` (default) once charged and the coupon deducted;
   * `provisioned` once provisioning has ended too (active, or provisioning_failed after
   * its compensation), so a caller that needs the resource does not poll for it.
   */
  returnWhen: z.enum(['paid', 'provisioned']).optional(),
});
export type PayOrderInput = z.input<typeof PayOrderSchema>;

export const CancelOrderSchema = z.strictObject({
  reason: z.string().min(1).max(500),
});
export type CancelOrderInput = z.input<typeof CancelOrderSchema>;

export const UnsubscribeOrderSchema = z.strictObject({
  reason: z.string().min(1).max(500).optional(),
});
export type UnsubscribeOrderInput = z.input<typeof UnsubscribeOrderSchema>;
