/**
 * `parseInput`: parses untrusted input with a zod schema; every error names its field.
 */
import type { z } from 'zod';

export interface FieldError {
  /** Dotted path, e.g. "billingAddress.postalCode"; "" for the whole input. */
  path: string;
  message: string;
}

export type ParseResult<T> =
  { ok: true; value: T } | { ok: false; errors: FieldError[]; message: string };

/**
 * Parses untrusted input. A missing field reads "Required"; every error names its
 * field: "billingAddress.postalCode: Required".
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
): ParseResult<z.output<S>> {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  const errors = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const missing = issue.code === 'invalid_type' && valueAt(value, issue.path) === undefined;
    return { path, message: missing ? 'Required' : issue.message };
  });
  return {
    ok: false,
    errors,
    message: errors.map((e) => `${e.path || '(input)'}: ${e.message}`).join('; '),
  };
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}
