/**
 * Development payment gateway. It never moves money but behaves like a real one:
 * cards are validated (digits, Luhn, CVC, expiry against its clock), tokens look
 * like `tok_...`, and the same idempotency key always gives the same answer.
 *
 * Test numbers (any future expiry, any 3-digit CVC):
 *   4242424242424242  succeeds
 *   4000000000000002  tokenizes, then every charge is declined (card_declined)
 *   4000000000009995  tokenizes, then every charge is declined (insufficient_funds)
 *   4000000000000119  tokenizes, then every charge fails with a gateway error (retryable)
 *   any other Luhn-valid number succeeds.
 * PayPal: any e-mail succeeds; a local part ending in "+decline" (e.g.
 * "buyer+decline@example.com") is declined at charge.
 *
 * Dev tokens carry what the gateway needs to answer later (brand, last four,
 * expiry, test behaviour, never the full number), so the client that tokenizes
 * and the worker that charges need not share memory. A real gateway's tokens are
 * opaque references to its vault.
 */
import { createHash } from 'node:crypto';
import { parseInput } from '../../domain/contracts';
import { CURRENCIES, MoneyError, parseAmount } from '../../domain/money';
import { PaymentMethodSchema } from '../../domain/upgrade-entry';
import {
  GatewayUnavailableError,
  InvalidPaymentMethodError,
  type CardBrand,
  type ChargeResponse,
  type PaymentGateway,
  type RawPaymentMethod,
  type RefundResponse,
  type TokenizedPaymentMethod,
} from './ports';

export const DEV_TEST_CARDS = {
  success: '4242424242424242',
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
  gatewayError: '4000000000000119',
} as const;

type Behaviour = 'ok' | 'decline' | 'nofunds' | 'error';

const BEHAVIOUR_BY_NUMBER: Record<string, Behaviour> = {
  [DEV_TEST_CARDS.declined]: 'decline',
  [DEV_TEST_CARDS.insufficientFunds]: 'nofunds',
  [DEV_TEST_CARDS.gatewayError]: 'error',
};

export function cardBrand(number: string): CardBrand {
  if (/^4/.test(number)) return 'visa';
  if (/^(5[1-5]|2(2[2-9]|[3-6]\d|7[01]|720))/.test(number)) return 'mastercard';
  if (/^3[47]/.test(number)) return 'amex';
  if (/^(6011|65|64[4-9])/.test(number)) return 'discover';
  if (/^35(2[89]|[3-8])/.test(number)) return 'jcb';
  if (/^3(0[0-5]|[68])/.test(number)) return 'diners';
  if (/^62/.test(number)) return 'unionpay';
  return 'unknown';
}

/** "jane.doe@example.com" → "j***@example.com". */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return `${email.slice(0, 1)}***${email.slice(at)}`;
}

/** A card is good through the last day of its expiry month (UTC). */
export function cardExpired(expMonth: number, expYear: number, now: Date): boolean {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth() + 1;
  return expYear < year || (expYear === year && expMonth < month);
}

const digest = (...parts: string[]): string =>
  createHash('sha256').update(parts.join('\u0000')).digest('hex');

// tok_card_<brand>_<last4>_<mm><yyyy>_<behaviour>_<nonce> | tok_pp_<behaviour>_<nonce>
const CARD_TOKEN =
  /^tok_card_([a-z]+)_(\d{4})_(\d{2})(\d{4})_(ok|decline|nofunds|error)_[0-9a-f]{16}$/;
const PAYPAL_TOKEN = /^tok_pp_(ok|decline)_[0-9a-f]{16}$/;

export interface DevGatewayOptions {
  /** The gateway's clock (card expiry); defaults to the system clock. */
  now?: () => Date;
}

export function createDevPaymentGateway(options: DevGatewayOptions = {}): PaymentGateway {
  const now = options.now ?? (() => new Date());

  const checkAmount = (amount: string, currency: string): void => {
    if (!(currency in CURRENCIES)) {
      throw new InvalidPaymentMethodError('currency', `unsupported currency ${currency}`);
    }
    try {
      const value = parseAmount(amount, currency as keyof typeof CURRENCIES);
      if (value.isZero()) throw new MoneyError('zero');
    } catch {
      throw new InvalidPaymentMethodError('amount', `not a positive ${currency} amount: ${amount}`);
    }
  };

  return {
    async tokenize(
      method: RawPaymentMethod,
      idempotencyKey: string,
    ): Promise<TokenizedPaymentMethod> {
      const parsed = parseInput(PaymentMethodSchema, method);
      if (!parsed.ok) {
        const first = parsed.errors[0];
        throw new InvalidPaymentMethodError(
          first?.path || 'paymentMethod',
          first?.message ?? 'invalid',
        );
      }
      const m = parsed.value;
      if (m.type === 'paypal') {
        const behaviour = /\+decline@/i.test(m.email) ? 'decline' : 'ok';
        return {
          type: 'paypal',
          token: `tok_pp_${behaviour}_${digest(idempotencyKey, m.email).slice(0, 16)}`,
          label: maskEmail(m.email),
        };
      }
      if (cardExpired(m.expMonth, m.expYear, now())) {
        throw new InvalidPaymentMethodError('expYear', 'The card has expired');
      }
      const brand = cardBrand(m.number);
      const last4 = m.number.slice(-4);
      const behaviour = BEHAVIOUR_BY_NUMBER[m.number] ?? 'ok';
      const mm = String(m.expMonth).padStart(2, '0');
      const nonce = digest(idempotencyKey, m.number, mm, String(m.expYear)).slice(0, 16);
      return {
        type: 'card',
        token: `tok_card_${brand}_${last4}_${mm}${m.expYear}_${behaviour}_${nonce}`,
        brand,
        last4,
        expMonth: m.expMonth,
        expYear: m.expYear,
      };
    },

    async charge(request): Promise<ChargeResponse> {
      checkAmount(request.amount, request.currency);
      const reference = `ch_${digest('charge', request.idempotencyKey).slice(0, 24)}`;
      const card = CARD_TOKEN.exec(request.token);
      const paypal = PAYPAL_TOKEN.exec(request.token);
      if (!card && !paypal)
        return { status: 'declined', reason: 'invalid_payment_method', reference };
      const behaviour = (card ? card[5] : paypal?.[1]) as Behaviour;
      if (behaviour === 'error') {
        throw new GatewayUnavailableError(
          'dev gateway: simulated processing error (test card 0119)',
        );
      }
      if (card && cardExpired(Number(card[3]), Number(card[4]), now())) {
        return { status: 'declined', reason: 'expired_card', reference };
      }
      if (behaviour === 'decline')
        return { status: 'declined', reason: 'card_declined', reference };
      if (behaviour === 'nofunds')
        return { status: 'declined', reason: 'insufficient_funds', reference };
      return { status: 'succeeded', reference };
    },

    async refund(request): Promise<RefundResponse> {
      checkAmount(request.amount, request.currency);
      const reference = `re_${digest('refund', request.idempotencyKey).slice(0, 24)}`;
      if (!/^ch_[0-9a-f]{24}$/.test(request.reference)) {
        return { status: 'declined', reason: 'charge_not_found', reference };
      }
      return { status: 'succeeded', reference };
    },
  };
}
