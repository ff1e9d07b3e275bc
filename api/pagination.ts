/**
 * Pagination of every list: `?limit=` (1-100, default 20) and `?cursor=` (the
 * opaque `nextCursor` of the page before); answers are `{ items, nextCursor }`,
 * `nextCursor` null on the last page.
 */
import { z } from 'zod';
import { ApiProblem } from './problems';

export const PageQuerySchema = z.object({
  limit: z.coerce
    .number({ error: 'A whole number from 1 to 100' })
    .int({ error: 'A whole number from 1 to 100' })
    .min(1)
    .max(100)
    .default(20),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,2000}$/, { error: 'The nextCursor of the previous page' })
    .optional(),
});

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    nextCursor: z
      .string()
      .nullable()
      .describe('Pass as ?cursor= for the next page; null at the end'),
  });

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Reads a cursor this API wrote; anything else is a 400 naming `query.cursor`. */
export function decodeCursor<T extends z.ZodType>(cursor: string, schema: T): z.output<T> {
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // reported below
  }
  throw new ApiProblem(400, 'invalid_input', 'query.cursor: not a cursor of this list', {
    errors: [{ field: 'query.cursor', message: 'not a cursor of this list' }],
  });
}

const AfterCursorSchema = z.object({ after: z.string() });

/**
 * One page of a list held in memory, ordered by a string key (code-unit order);
 * the cursor is the last key shown, so a page never repeats or skips a row when
 * rows before it leave the list.
 */
export function pageByKey<T>(
  rows: readonly T[],
  keyOf: (row: T) => string,
  page: { limit: number; cursor?: string | undefined },
): { items: T[]; nextCursor: string | null } {
  const after = page.cursor ? decodeCursor(page.cursor, AfterCursorSchema).after : null;
  const rest = rows
    .map((row) => ({ row, key: keyOf(row) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .filter(({ key }) => after === null || key > after);
  const shown = rest.slice(0, page.limit);
  const last = shown[shown.length - 1];
  return {
    items: shown.map(({ row }) => row),
    nextCursor: rest.length > page.limit && last ? encodeCursor({ after: last.key }) : null,
  };
}
