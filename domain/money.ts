/**
 * Money for the coupon engine.
 *
 * Amounts that cross a boundary (workflow payload, database, API) are canonical
 * decimal strings with exactly the currency's minor-unit digits ("12.50", "1200"
 * for JPY). Arithmetic happens in decimal.js; no JavaScript number ever holds money.
 *
 * Rounding rule (the only one): a computed deduction is rounded DOWN (toward zero)
 * to the currency's minor unit. Deductions are never negative, so "down" and
 * "toward zero" agree. The customer is therefore never credited a fraction the
 * coupon did not cover, and a deduction never exceeds what is owed; the payable
 * rest is `amount - deduction`, exact, with no second rounding.
 */
import Decimal from 'decimal.js';

/** Isolated clone: the global Decimal configuration is never touched. */
export const Dec = Decimal.clone({
  precision: 40,
  rounding: Decimal.ROUND_DOWN,
  toExpNeg: -40,
  toExpPos: 40,
});
export type Dec = InstanceType<typeof Dec>;

/** ISO 4217 code → number of minor-unit digits. */
export const CURRENCIES = {
  USD: 2,
  EUR: 2,
  GBP: 2,
  CNY: 2,
  HKD: 2,
  SGD: 2,
  AUD: 2,
  CAD: 2,
  JPY: 0,
  KRW: 0,
} as const satisfies Record<string, number>;

export type CurrencyCode = keyof typeof CURRENCIES;
export const CURRENCY_CODES = Object.keys(CURRENCIES) as CurrencyCode[];

/** A canonical, non-negative decimal string, e.g. "12.50". */
export type Amount = string;

export class MoneyError extends Error {
  override readonly name = 'MoneyError';
}

export function isCurrencyCode(code: string): code is CurrencyCode {
  return Object.prototype.hasOwnProperty.call(CURRENCIES, code);
}

export function minorUnits(currency: CurrencyCode): number {
  const digits = CURRENCIES[currency];
  if (digits === undefined) throw new MoneyError(`Unknown currency ${String(currency)}`);
  return digits;
}

// Plain digits only: no sign, exponent, spaces or thousands separators.
const AMOUNT_PATTERN = /^(0|[1-9]\d{0,17})(\.\d+)?$/;

/**
 * Parses a non-negative amount string with at most the currency's minor digits.
 * Throws MoneyError otherwise: bad input is a caller bug, not a business outcome.
 */
export function parseAmount(value: string, currency: CurrencyCode): Dec {
  if (!AMOUNT_PATTERN.test(value)) throw new MoneyError(`Not a valid amount: "${value}"`);
  const fraction = value.split('.')[1] ?? '';
  if (fraction.length > minorUnits(currency)) {
    throw new MoneyError(`${currency} allows ${minorUnits(currency)} decimals: "${value}"`);
  }
  return new Dec(value);
}

/** Canonical string; refuses values off the currency's minor-unit grid or negative. */
export function formatAmount(value: Dec, currency: CurrencyCode): Amount {
  const digits = minorUnits(currency);
  if (value.isNegative() && !value.isZero())
    throw new MoneyError(`Negative amount ${value.toString()}`);
  if (!value.toDecimalPlaces(digits).equals(value)) {
    throw new MoneyError(`${value.toString()} is finer than ${currency}'s minor unit`);
  }
  // Absolute value turns -0 into 0.
  return value.abs().toFixed(digits);
}

/** Normalises an amount string to canonical form ("12.5" → "12.50"). */
export function canonicalAmount(value: string, currency: CurrencyCode): Amount {
  return formatAmount(parseAmount(value, currency), currency);
}

export function zero(currency: CurrencyCode): Amount {
  return formatAmount(new Dec(0), currency);
}

/** THE rounding rule: round a computed deduction down to the currency's minor unit. */
export function roundDeduction(value: Dec, currency: CurrencyCode): Dec {
  if (value.isNegative()) throw new MoneyError(`Negative deduction ${value.toString()}`);
  return value.toDecimalPlaces(minorUnits(currency), Dec.ROUND_DOWN);
}

export function addAmounts(a: Amount, b: Amount, currency: CurrencyCode): Amount {
  return formatAmount(parseAmount(a, currency).plus(parseAmount(b, currency)), currency);
}

/** a - b; throws if the result would be negative (amounts are never negative). */
export function subAmounts(a: Amount, b: Amount, currency: CurrencyCode): Amount {
  return formatAmount(parseAmount(a, currency).minus(parseAmount(b, currency)), currency);
}

export function minAmount(a: Amount, b: Amount, currency: CurrencyCode): Amount {
  return compareAmounts(a, b, currency) <= 0
    ? canonicalAmount(a, currency)
    : canonicalAmount(b, currency);
}

export function maxAmount(a: Amount, b: Amount, currency: CurrencyCode): Amount {
  return compareAmounts(a, b, currency) >= 0
    ? canonicalAmount(a, currency)
    : canonicalAmount(b, currency);
}

/** -1, 0 or 1. */
export function compareAmounts(a: Amount, b: Amount, currency: CurrencyCode): -1 | 0 | 1 {
  const c = parseAmount(a, currency).comparedTo(parseAmount(b, currency));
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

export function isZeroAmount(a: Amount, currency: CurrencyCode): boolean {
  return parseAmount(a, currency).isZero();
}

export function sumAmounts(values: readonly Amount[], currency: CurrencyCode): Amount {
  return formatAmount(
    values.reduce((acc, v) => acc.plus(parseAmount(v, currency)), new Dec(0)),
    currency,
  );
}
