/**
 * Fuzzing the HTTP API from its own OpenAPI document (test/integration/api/fuzz-routes.test.ts):
 * every operation the document lists, its path parameters, query parameters,
 * Idempotency-Key header and JSON body, with the JSON Schemas generated from the
 * zod schemas that validate them. From a schema this module builds a valid value
 * (the base request) and fast-check arbitraries of values the schema refuses:
 * wrong types, oversized strings, unicode look-alikes, zero-width and RTL
 * characters, case variants of enums and codes, injection text, numbers out of
 * range, nested junk, unknown keys. `conforms` (a small JSON Schema check of the
 * keywords the document uses) filters every candidate, so a generated value is
 * always one the schema refuses: a request carrying it must be refused too.
 */
import fc from 'fast-check';
import type { OpenAPIV3 } from 'openapi-types';
import { isIsoInstant } from '../../domain/time';

/** The JSON Schema keywords the generated document uses (draft-4 style, OpenAPI 3.0). */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean | number;
  exclusiveMaximum?: boolean | number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  nullable?: boolean;
  default?: unknown;
  $ref?: string;
  description?: string;
}

export interface FuzzParameter {
  name: string;
  schema: JsonSchema;
  required: boolean;
}

export interface FuzzOperation {
  /** `POST /v1/trial-upgrades/{accountId}/phone` */
  id: string;
  method: string;
  /** The document's path template. */
  path: string;
  pathParams: FuzzParameter[];
  query: FuzzParameter[];
  /** The JSON body's schema (refs resolved); undefined when the operation takes none. */
  body?: JsonSchema;
  /** Whether it needs an Idempotency-Key. */
  idempotent: boolean;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Inlines `$ref`s to components and folds `allOf` of one schema into its parent. */
export function resolveSchema(schema: JsonSchema, doc: OpenAPIV3.Document): JsonSchema {
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = doc.components?.schemas?.[name] as JsonSchema | undefined;
    if (!target) throw new Error(`unresolved ${schema.$ref}`);
    return resolveSchema(target, doc);
  }
  const out: JsonSchema = { ...schema };
  if (out.allOf?.length === 1 && out.allOf[0]) {
    const [only] = out.allOf;
    delete out.allOf;
    return { ...resolveSchema(only, doc), ...resolveSchema(out, doc) };
  }
  if (out.properties) {
    out.properties = Object.fromEntries(
      Object.entries(out.properties).map(([k, v]) => [k, resolveSchema(v, doc)]),
    );
  }
  if (out.items) out.items = resolveSchema(out.items, doc);
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
    if (out[key]) out[key] = out[key].map((s) => resolveSchema(s, doc));
  }
  return out;
}

/** Every operation of the document, as the fuzzer drives it. */
export function operationsOf(doc: OpenAPIV3.Document): FuzzOperation[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item?.[m]).map((m) => {
      const op = item?.[m] as OpenAPIV3.OperationObject;
      const parameters = (op.parameters ?? []) as OpenAPIV3.ParameterObject[];
      const of = (where: string) =>
        parameters
          .filter((p) => p.in === where)
          .map((p) => ({
            name: p.name,
            schema: resolveSchema((p.schema ?? {}) as JsonSchema, doc),
            required: Boolean(p.required),
          }));
      const content = (op.requestBody as OpenAPIV3.RequestBodyObject | undefined)?.content;
      const json = content?.['application/json']?.schema as JsonSchema | undefined;
      return {
        id: `${m.toUpperCase()} ${path}`,
        method: m.toUpperCase(),
        path,
        pathParams: of('path'),
        query: of('query'),
        ...(json ? { body: resolveSchema(json, doc) } : {}),
        idempotent: of('header').some((h) => h.name === 'idempotency-key' && h.required),
      };
    }),
  );
}

// ---- conformance ---------------------------------------------------------------------

const typesOf = (schema: JsonSchema): string[] | null =>
  schema.type === undefined ? null : Array.isArray(schema.type) ? schema.type : [schema.type];

function hasType(type: string, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'null':
      return value === null;
    default:
      return true;
  }
}

/**
 * Whether `value` satisfies `schema` (the keywords above). With `coerce` (query
 * strings), a string stands for the number it reads as, as z.coerce.number does.
 */
export function conforms(schema: JsonSchema, value: unknown, coerce = false): boolean {
  if (schema.oneOf && !schema.oneOf.some((s) => conforms(s, value, coerce))) return false;
  if (schema.anyOf && !schema.anyOf.some((s) => conforms(s, value, coerce))) return false;
  if (schema.allOf && !schema.allOf.every((s) => conforms(s, value, coerce))) return false;
  if (value === null && schema.nullable) return true;
  const types = typesOf(schema);
  let v = value;
  if (coerce && types && (types.includes('integer') || types.includes('number'))) {
    // z.coerce.number: Number(value); a repeated parameter (an array) reads as NaN.
    v = Array.isArray(value) ? Number.NaN : Number(value);
  }
  if (types && !types.some((t) => hasType(t, v))) return false;
  if (schema.enum && !schema.enum.some((e) => e === v)) return false;
  if (schema.const !== undefined && schema.const !== v) return false;
  if (typeof v === 'string') {
    if (schema.minLength !== undefined && v.length < schema.minLength) return false;
    if (schema.maxLength !== undefined && v.length > schema.maxLength) return false;
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(v)) return false;
    if (schema.format === 'date-time' && !isIsoInstant(v)) return false;
  }
  if (typeof v === 'number') {
    const exMin = schema.exclusiveMinimum;
    const exMax = schema.exclusiveMaximum;
    if (schema.minimum !== undefined && (exMin === true ? v <= schema.minimum : v < schema.minimum))
      return false;
    if (schema.maximum !== undefined && (exMax === true ? v >= schema.maximum : v > schema.maximum))
      return false;
    if (typeof exMin === 'number' && v <= exMin) return false;
    if (typeof exMax === 'number' && v >= exMax) return false;
  }
  if (Array.isArray(v)) {
    if (schema.minItems !== undefined && v.length < schema.minItems) return false;
    if (schema.maxItems !== undefined && v.length > schema.maxItems) return false;
    if (schema.items && !v.every((item) => conforms(schema.items as JsonSchema, item)))
      return false;
  }
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const record = v as Record<string, unknown>;
    for (const name of schema.required ?? []) if (record[name] === undefined) return false;
    for (const [name, item] of Object.entries(record)) {
      const property = schema.properties?.[name];
      if (property) {
        if (!conforms(property, item)) return false;
      } else if (schema.additionalProperties === false) return false;
    }
  }
  return true;
}

// ---- valid values ---------------------------------------------------------------------

/** Strings tried, in order, for a string schema: the first one it accepts is used. */
const STRING_CANDIDATES = [
  'fuzz-1',
  'US',
  '+14155550123',
  '123456',
  '10.00',
  '4242424242424242',
  '123',
  'fuzz@example.com',
  '2026-01-01T00:00:00Z',
  '1 minute',
];

const isObjectSchema = (s: JsonSchema): boolean =>
  Boolean(s.properties ?? (s.oneOf ?? s.anyOf)?.some(isObjectSchema));

/**
 * A value `schema` accepts, or undefined if none is found: required fields, and
 * with `nested` the optional objects too (so that their fields can be mutated in place).
 */
export function validOf(schema: JsonSchema, nested = false): unknown {
  const found = ((): unknown => {
    for (const union of [schema.oneOf, schema.anyOf]) {
      if (union) {
        for (const branch of union) {
          const value = validOf(branch, nested);
          if (value !== undefined) return value;
        }
        return undefined;
      }
    }
    if (schema.enum) return schema.enum[0];
    const types = typesOf(schema) ?? ['object'];
    if (types.includes('string')) return STRING_CANDIDATES.find((c) => conforms(schema, c));
    if (types.includes('integer') || types.includes('number')) {
      const min = schema.minimum ?? 1;
      // A year (card expiry): one that has not passed.
      if (min >= 1900) return new Date().getUTCFullYear() + 2;
      return Math.min(Math.max(min, 1), schema.maximum ?? Number.MAX_SAFE_INTEGER);
    }
    if (types.includes('boolean')) return false;
    if (types.includes('array')) {
      const item = schema.items ? validOf(schema.items) : 'x';
      return item === undefined
        ? undefined
        : Array.from({ length: schema.minItems ?? 1 }, () => item);
    }
    const value: Record<string, unknown> = {};
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      const required = (schema.required ?? []).includes(name);
      if (!required && !(nested && isObjectSchema(property))) continue;
      const item = validOf(property, nested);
      if (item === undefined && required) return undefined;
      if (item !== undefined) value[name] = item;
    }
    for (const name of schema.required ?? []) if (!(name in value)) return undefined;
    return value;
  })();
  return found !== undefined && conforms(schema, found) ? found : undefined;
}

// ---- hostile values -------------------------------------------------------------------

/** Characters that look like others, or do not show: look-alikes, zero-width, RTL, controls. */
export const HOSTILE_CHARACTERS = [
  '\u0410', // Cyrillic A
  '\u0430', // Cyrillic a
  '\u0435', // Cyrillic e
  '\u043e', // Cyrillic o
  '\u0391', // Greek Alpha
  '\uff21', // fullwidth A
  '\uff11', // fullwidth 1
  '\u0661', // Arabic-Indic 1
  '\u200b', // zero-width space
  '\u200c', // zero-width non-joiner
  '\u200d', // zero-width joiner
  '\u2060', // word joiner
  '\u202e', // right-to-left override
  '\u200f', // right-to-left mark
  '\u0301', // combining acute accent
  '\u0000', // NUL
  '\n',
  '%',
  "'",
  '"',
  '<',
  '\ud83d\ude00', // emoji
];

const INJECTIONS = [
  '\'; DROP TABLE "Coupon"; --',
  "' OR '1'='1",
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '${process.exit(1)}',
  '{{7*7}}',
  '%00',
  '\u202eevil',
  'null',
  'undefined',
  'NaN',
  '-1',
  '1e309',
  '０',
  '',
];

/** Keys an attacker adds: prototype names, fields of other routes, secrets. */
const EXTRA_KEYS = [
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'sealedCode',
  'cvc',
  'number',
  'token',
  'isAdmin',
  'role',
  'amount',
  'status',
  'accountId',
  'scopes',
];

const FORBIDDEN_KEYS = new Set(['__proto__', 'prototype', 'constructor']);
const junkKey = fc.string({ maxLength: 12 }).filter((k) => !FORBIDDEN_KEYS.has(k));
/** Nested junk: arrays and objects of anything, a few levels deep (never prototype keys). */
export const junk: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ maxLength: 20 }),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(junkKey, tie('value'), { maxKeys: 4 }),
  ),
})).value;

const flipCase = (s: string) =>
  [...s].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');

/** A string with one hostile character put inside it (never at an end, where it could be trimmed). */
const withHostileInside = (base: string) =>
  fc
    .tuple(fc.nat(), fc.constantFrom(...HOSTILE_CHARACTERS), fc.boolean())
    .map(([at, c, replace]) => {
      const s = base.length >= 2 ? base : `${base}xx`;
      const i = 1 + (at % (s.length - 1));
      return s.slice(0, i) + c + s.slice(replace ? i + 1 : i);
    });

/** Strings that are wrong in many ways, around a valid one. */
function hostileStrings(schema: JsonSchema, base: string): fc.Arbitrary<string> {
  const over = (schema.maxLength ?? 1000) + 1;
  return fc.oneof(
    withHostileInside(base),
    fc.constant(flipCase(base)),
    fc.constant(base.normalize('NFKD') === base ? `${base}\u0301` : base.normalize('NFKD')),
    // Fenced by non-space characters: some fields trim.
    fc.integer({ min: over, max: Math.max(over, 100_000) }).map((n) => `x${'y'.repeat(n)}x`),
    fc.constantFrom(...INJECTIONS),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constant(`${base}${base}`),
  );
}

const wrongTypes: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -0.5, 0),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 20 }),
  fc.array(junk, { maxLength: 3 }),
  junk,
);

/**
 * Values `schema` refuses. `coerce`: a query string, so only strings (and repeated
 * parameters, as arrays of strings) can be sent.
 */
export function invalidOf(schema: JsonSchema, coerce = false): fc.Arbitrary<unknown> {
  const base = validOf(schema);
  const baseString = typeof base === 'string' ? base : 'fuzz-1';
  const types = typesOf(schema) ?? [];
  const numeric = types.includes('integer') || types.includes('number');
  const candidates: fc.Arbitrary<unknown>[] = [hostileStrings(schema, baseString)];
  if (numeric) {
    const min = schema.minimum ?? 0;
    const max = schema.maximum ?? 1e6;
    candidates.push(
      fc.constantFrom(min - 1, max + 1, min + 0.5, 1e21, -1e21, Number.MAX_SAFE_INTEGER + 2),
      fc.oneof(fc.integer({ max: min - 1 }), fc.integer({ min: max + 1 })),
    );
  }
  if (coerce) {
    candidates.push(
      fc.constantFrom('', ' ', 'abc', '1.5', '0x', '١', '１', '5abc', 'Infinity', '-0.5'),
      fc.array(hostileStrings(schema, baseString), { minLength: 2, maxLength: 3 }),
    );
    return fc
      .oneof(...candidates)
      .map((v) => (Array.isArray(v) ? v.map(String) : String(v)))
      .filter((v) => !conforms(schema, v, true));
  }
  candidates.push(wrongTypes);
  if (schema.enum) {
    candidates.push(fc.constantFrom(...schema.enum.map((e) => flipCase(String(e)))));
  }
  return fc.oneof(...candidates).filter((v) => !conforms(schema, v));
}

/** One field somewhere in a body: its path and schema, and whether each object on the way is a union. */
export interface BodyField {
  path: string[];
  schema: JsonSchema;
  /** Paths of the union (oneOf / anyOf) schemas above the field, where zod may report instead. */
  unionPaths: string[][];
}

/** The object schemas of a body (the first branch of a union), with their paths. */
function objectsOf(
  schema: JsonSchema,
  path: string[],
  unions: string[][],
): Array<{ path: string[]; schema: JsonSchema; unionPaths: string[][] }> {
  const union = schema.oneOf ?? schema.anyOf;
  if (union?.[0]) return objectsOf(union[0], path, [...unions, path]);
  if (!schema.properties) return [];
  return [
    { path, schema, unionPaths: unions },
    ...Object.entries(schema.properties).flatMap(([name, property]) =>
      objectsOf(property, [...path, name], unions),
    ),
  ];
}

/** Every field of a body schema, nested ones too (through the first branch of a union). */
export function bodyFields(schema: JsonSchema): BodyField[] {
  return objectsOf(schema, [], []).flatMap(({ path, schema: object, unionPaths }) =>
    Object.entries(object.properties ?? {}).map(([name, property]) => ({
      path: [...path, name],
      schema: property,
      unionPaths,
    })),
  );
}

/** The strict objects of a body (additionalProperties: false): where unknown keys are refused. */
export function strictObjects(schema: JsonSchema): Array<{ path: string[]; known: string[] }> {
  const strict = (s: JsonSchema, path: string[]): Array<{ path: string[]; known: string[] }> => {
    const union = s.oneOf ?? s.anyOf;
    if (union?.[0]) return strict(union[0], path);
    if (!s.properties) return [];
    const here =
      s.additionalProperties === false ? [{ path, known: Object.keys(s.properties) }] : [];
    return [
      ...here,
      ...Object.entries(s.properties).flatMap(([name, p]) => strict(p, [...path, name])),
    ];
  };
  return strict(schema, []);
}

/** An unknown key for an object that has `known` keys. */
export const extraKey = (known: readonly string[]) =>
  fc
    .oneof(fc.constantFrom(...EXTRA_KEYS), fc.string({ minLength: 1, maxLength: 30 }))
    .filter((k) => !known.includes(k) && k !== '__proto__');

/** Sets `value` at `path` in a copy of `object`, making the objects on the way. */
export function setAt(object: unknown, path: readonly string[], value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  const record =
    typeof object === 'object' && object !== null && !Array.isArray(object)
      ? { ...(object as Record<string, unknown>) }
      : {};
  // defineProperty: a key such as "constructor" becomes an own, enumerable key.
  Object.defineProperty(record, head, {
    value: setAt(record[head], rest, value),
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return record;
}

/** Bodies that are not JSON, or JSON whose keys would pollute a prototype. */
export const malformedJson = (valid: string): fc.Arbitrary<string> =>
  fc.oneof(
    fc
      .nat()
      .map((n) => valid.slice(0, n % Math.max(1, valid.length))) // truncated (never whole)
      .filter(notJson),
    fc.constantFrom(
      `${valid},`,
      `${valid}}`,
      `{'a': 1}`,
      '{a: 1}',
      '{"a": NaN}',
      '{"a": undefined}',
      '{"a": 1,}',
      '[1, 2',
      '{"a": "\u0000',
      '// comment\n{}',
      '{"__proto__": {"polluted": true}}',
      '{"a": {"__proto__": {"polluted": true}}}',
      '{"constructor": {"prototype": {"polluted": true}}}',
      '{"a": [{"constructor": {"prototype": {"polluted": true}}}]}',
    ),
    fc
      .constantFrom('__proto__', 'constructor')
      .map((k) =>
        valid.startsWith('{') && valid.length > 2
          ? `{"${k}": ${k === '__proto__' ? '{"polluted": true}' : '{"prototype": {"polluted": true}}'}, ${valid.slice(1)}`
          : `{"${k}": {"prototype": {"polluted": true}}}`,
      ),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }).filter(notJson),
  );

function notJson(text: string): boolean {
  try {
    JSON.parse(text);
    return false;
  } catch {
    return true;
  }
}
