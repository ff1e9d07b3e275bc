/**
 * domain/time.ts reads an instant's calendar date from its digits (no Date built
 * per check): it must judge every string as the Date-based check it replaced did.
 */
import fc from 'fast-check';
import { isIsoInstant, TimeError, toEpochMs } from '../../../domain/time';

/**
 * The check before 2026-12-07: a Date built from the digits must give them back. Built
 * with setUTCFullYear(y, m, d) in one call: Date.UTC reads years 0 to 99 as 1900 to
 * 1999, and the check before set the year after the day, so it refused 0000-02-29
 * (1900 is not a leap year; year 0 is, and Date.parse reads it).
 */
function dateBasedCheck(value: string): boolean {
  const pattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
  if (!pattern.test(value) || !Number.isFinite(Date.parse(value))) return false;
  const [y, m, d] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const probe = new Date(0);
  probe.setUTCFullYear(y, m - 1, d);
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === m - 1 && probe.getUTCDate() === d;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const instantLike = fc
  .record({
    y: fc.integer({ min: 0, max: 9999 }),
    m: fc.integer({ min: 0, max: 13 }),
    d: fc.integer({ min: 0, max: 32 }),
    h: fc.integer({ min: 0, max: 25 }),
    min: fc.integer({ min: 0, max: 61 }),
    zone: fc.constantFrom('Z', '+02:00', '-11:30', '+25:00', ''),
  })
  .map(
    ({ y, m, d, h, min, zone }) =>
      `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(min, 2)}:00.000${zone}`,
  );

test('an instant is valid exactly when the Date-based check says so, and reads as Date.parse', () => {
  fc.assert(
    fc.property(instantLike, (value) => {
      expect(isIsoInstant(value)).toBe(dateBasedCheck(value));
      if (isIsoInstant(value)) expect(toEpochMs(value)).toBe(Date.parse(value));
      else expect(() => toEpochMs(value)).toThrow(TimeError);
    }),
    { numRuns: 5000 },
  );
});

test.each([
  ['2024-02-29T00:00:00Z', true],
  ['2023-02-29T00:00:00Z', false],
  ['2000-02-29T00:00:00Z', true],
  ['1900-02-29T00:00:00Z', false],
  ['2100-02-29T00:00:00Z', false],
  ['0000-02-29T00:00:00.000Z', true],
  ['0100-02-29T00:00:00Z', false],
  ['2026-04-31T00:00:00Z', false],
  ['2026-12-31T23:59:59.999Z', true],
  ['2026-12-07T10:00:00', false],
])('%s is an instant: %s', (value, valid) => {
  expect(isIsoInstant(value)).toBe(valid);
});
