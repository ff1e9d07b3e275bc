import Decimal from 'decimal.js';
import {
  CURRENCIES,
  Dec,
  MoneyError,
  addAmounts,
  canonicalAmount,
  compareAmounts,
  formatAmount,
  maxAmount,
  minAmount,
  parseAmount,
  roundDeduction,
  subAmounts,
  sumAmounts,
} from '../../../domain';

describe('money', () => {
  it('issue 4 §Money: currency table: minor units USD 2, JPY 0, CNY 2', () => {
    expect(CURRENCIES.USD).toBe(2);
    expect(CURRENCIES.JPY).toBe(0);
    expect(CURRENCIES.CNY).toBe(2);
  });

  it('issue 4 §Money: canonical strings carry exactly the minor-unit digits', () => {
    expect(canonicalAmount('12.5', 'USD')).toBe('12.50');
    expect(canonicalAmount('12', 'USD')).toBe('12.00');
    expect(canonicalAmount('1200', 'JPY')).toBe('1200');
  });

  it('issue 4 §Money: rejects malformed amounts and digits finer than the minor unit', () => {
    for (const bad of ['', '-1', '1e3', ' 1', '1,000', '01', '1.', 'abc']) {
      expect(() => parseAmount(bad, 'USD')).toThrow(MoneyError);
    }
    expect(() => parseAmount('1.001', 'USD')).toThrow(MoneyError);
    expect(() => parseAmount('1.5', 'JPY')).toThrow(MoneyError);
    expect(() => formatAmount(new Dec('0.001'), 'USD')).toThrow(MoneyError);
  });

  it('issue 4 §Money rounding rule: a computed deduction rounds DOWN to the minor unit', () => {
    expect(roundDeduction(new Dec('3.339'), 'USD').toFixed(2)).toBe('3.33');
    expect(roundDeduction(new Dec('3.3399999'), 'USD').toFixed(2)).toBe('3.33');
    expect(roundDeduction(new Dec('99.9'), 'JPY').toFixed(0)).toBe('99');
    expect(() => roundDeduction(new Dec('-1'), 'USD')).toThrow(MoneyError);
  });

  it('issue 4 §Money: add / sub / min / max / compare / sum are exact on strings', () => {
    expect(addAmounts('0.10', '0.20', 'USD')).toBe('0.30');
    expect(subAmounts('1.00', '0.01', 'USD')).toBe('0.99');
    expect(() => subAmounts('1.00', '1.01', 'USD')).toThrow(MoneyError);
    expect(minAmount('2.5', '2.49', 'USD')).toBe('2.49');
    expect(maxAmount('2.5', '2.49', 'USD')).toBe('2.50');
    expect(compareAmounts('2.50', '2.5', 'USD')).toBe(0);
    expect(compareAmounts('2.49', '2.5', 'USD')).toBe(-1);
    expect(sumAmounts(['0.10', '0.20', '0.30'], 'USD')).toBe('0.60');
  });

  it('issue 4 §Money: uses an isolated Decimal clone: the global configuration is untouched', () => {
    const before = { precision: Decimal.precision, rounding: Decimal.rounding };
    roundDeduction(new Dec('1.239'), 'USD');
    expect(Dec).not.toBe(Decimal);
    expect({ precision: Decimal.precision, rounding: Decimal.rounding }).toEqual(before);
  });
});
