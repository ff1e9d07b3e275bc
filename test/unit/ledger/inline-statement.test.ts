/**
 * inlineStatement (activities/database.ts): the pipelined transaction sends its values
 * inline, as SQL literals, since the simple query protocol takes no parameters.
 */
import { inlineStatement } from '../../../activities/database';

test('each $n becomes its value as a literal: strings escaped, numbers, booleans, null', () => {
  expect(
    inlineStatement('SELECT f($1::text, $2::jsonb, $3, $4, $5, $1)', [
      "O'Brien",
      '{"a":"\\\\"}',
      12.5,
      true,
      null,
    ]),
  ).toBe(
    // pg's escapeLiteral writes a backslash's string as " E'...'", with a space before.
    `SELECT f('O''Brien'::text,  E'{"a":"\\\\\\\\"}'::jsonb, 12.5, TRUE, NULL, 'O''Brien')`,
  );
});

test('$10 is the tenth value, not the first followed by a 0', () => {
  const values = Array.from({ length: 10 }, (_, i) => `v${i + 1}`);
  expect(inlineStatement('SELECT $10, $1', values)).toBe(`SELECT 'v10', 'v1'`);
});

test.each([
  ['a missing value', []],
  ['an object', [{ a: 1 }]],
  ['a number that is not finite', [Number.NaN]],
  ['undefined', [undefined]],
])('%s is refused, not sent', (_, values) => {
  expect(() => inlineStatement('SELECT $1', values)).toThrow(/\$1/);
});
