export * from './ports';
export {
  createDevPaymentGateway,
  DEV_TEST_CARDS,
  cardBrand,
  cardExpired,
  maskEmail,
  type DevGatewayOptions,
} from './dev-gateway';
export {
  createPaymentActivities,
  type PaymentActivities,
  type PaymentActivityOptions,
  type RecordPaymentMethodInput,
  type PaymentMethodView,
  type ChargePaymentInput,
  type ChargePaymentResult,
  type RefundPaymentInput,
  type RefundPaymentResult,
} from './activities';

import { createDevPaymentGateway } from './dev-gateway';
import type { PaymentGateway } from './ports';

/** The gateway PAYMENT_PROVIDER names. */
export function createPaymentGateway(provider: 'dev'): PaymentGateway {
  switch (provider) {
    case 'dev':
      return createDevPaymentGateway();
  }
}
