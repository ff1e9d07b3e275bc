/**
 * The payment gateway port. Raw card data goes only to `tokenize` (called by the
 * client library, the way a payment page posts to the gateway); everything else
 * — workflow history, the database, activities — sees tokens. Every call takes an
 * idempotency key: the same key gives the same answer and moves money once.
 * Production gateways implement this interface and are chosen with PAYMENT_PROVIDER.
 */
import type { Amount, CurrencyCode } from '../../domain/money';
import type { PaymentMethodInput } from '../../domain/upgrade-entry';

/** What a customer types: a card (number, expiry, CVC, holder) or a PayPal account. */
export type RawPaymentMethod = PaymentMethodInput;

export type CardBrand =
  'visa' | 'mastercard' | 'amex' | 'discover' | 'jcb' | 'diners' | 'unionpay' | 'unknown';

/** A payment method as the engine keeps it: a token and what may be shown. */
export type TokenizedPaymentMethod =
  | {
      type: 'card';
      token: string;
      brand: CardBrand;
      last4: string;
      expMonth: number;
      expYear: number;
    }
  | {
      type: 'paypal';
      token: string;
      /** The masked PayPal e-mail, e.g. "j***@example.com". */
      label: string;
    };

export interface ChargeRequest {
  token: string;
  amount: Amount;
  currency: CurrencyCode;
  idempotencyKey: string;
}

export type DeclineReason =
  'card_declined' | 'insufficient_funds' | 'expired_card' | 'invalid_payment_method';

export type ChargeResponse =
  | { status: 'succeeded'; reference: string }
  | { status: 'declined'; reason: DeclineReason; reference: string };

export interface RefundRequest {
  /** The gateway reference of the charge being refunded. */
  reference: string;
  amount: Amount;
  currency: CurrencyCode;
  idempotencyKey: string;
}

export type RefundResponse =
  | { status: 'succeeded'; reference: string }
  | { status: 'declined'; reason: 'charge_not_found'; reference: string };

export interface PaymentGateway {
  tokenize(method: RawPaymentMethod, idempotencyKey: string): Promise<TokenizedPaymentMethod>;
  charge(request: ChargeRequest): Promise<ChargeResponse>;
  refund(request: RefundRequest): Promise<RefundResponse>;
}

/** The method cannot be tokenized (bad number, expired card...): naming the field. */
export class InvalidPaymentMethodError extends Error {
  override readonly name = 'InvalidPaymentMethodError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** The gateway did not answer or failed; retrying (same idempotency key) is safe. */
export class GatewayUnavailableError extends Error {
  override readonly name = 'GatewayUnavailableError';
}
