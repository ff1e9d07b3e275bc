/**
 * Issue 9, bad input: property-based fuzzing (fast-check) of EVERY HTTP route,
 * driven by the served OpenAPI document (a new route is fuzzed without touching
 * this file, and the coverage test fails if a route is left out). For each
 * operation: hostile path parameters, query parameters, body fields (wrong types,
 * oversized, look-alikes, zero-width / RTL characters, case variants, injection
 * text, nested junk), unknown keys (prototype names among them), malformed JSON
 * and prototype-pollution keys, wrong or missing content-type, bad Idempotency-Keys
 * and bad API keys, against a real running API, worker, PostgreSQL and Temporal.
 *
 * Every answer: a 4xx application/problem+json with a code (never a 5xx, never
 * a hang), naming the field at fault; afterwards nothing was written (row count
 * of every table but the API's own bookkeeping, ledger sums, the file's
 * workflow count), Object.prototype is clean, and the server still serves.
 *
 * Reproduce a failure with the seed fast-check prints: FUZZ_SEED=<seed>; more
 * runs per operation and category: FUZZ_RUNS=<n> (default 12).
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { OpenAPIV3 } from 'openapi-types';
import type { ApiScope } from '../../../api/keys';
import { createApiHarness, type ApiHarness } from '../../support/api-harness';
import { createAccount, createFundsCode } from '../../support/ledger-fixtures';
import {
  bodyFields,
  conforms,
  extraKey,
  HOSTILE_CHARACTERS,
  invalidOf,
  junk,
  malformedJson,
  operationsOf,
  setAt,
  strictObjects,
  validOf,
  type FuzzOperation,
  type JsonSchema,
} from '../../support/openapi-fuzz';

jest.setTimeout(240_000);

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
/**
 * Not compared: the migration log, and rate-limit counters (bookkeeping of requests
 * that passed validation). Idempotency records ARE compared: a refused request
 * leaves none.
 */
const BOOKKEEPING = new Set(['ApiRateLimitCounter', '_prisma_migrations']);
/** Lone surrogates cannot be put in a URL (encodeURIComponent throws). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const CATEGORIES = [
  'path parameter',
  'query parameter',
  'body field',
  'unknown key',
  'malformed JSON',
  'content-type',
  'Idempotency-Key',
  'API key',
] as const;
type Category = (typeof CATEGORIES)[number];

let api: ApiHarness;
let operations: FuzzOperation[];
let scopesOf: Map<string, readonly ApiScope[]>;
let before: Snapshot;
let fixtureAccount: string;
let realCode: string;
/** Runs per operation and category, for the coverage check and docs/reliability.md. */
const runs = new Map<string, Map<Category, number>>();
let requests = 0;

beforeAll(async () => {
  api = await createApiHarness();
  const served = await fetch(`${api.url}/openapi.json`);
  operations = operationsOf((await served.json()) as OpenAPIV3.Document);
  scopesOf = new Map(
    api.app.apiRoutes.map((r) => [`${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`, r.scopes]),
  );
  fixtureAccount = await createAccount(api.engine.db, { status: 'upgraded', funds: '5.00' });
  realCode = await createFundsCode(api.engine.db, { code: 'FUZZSPRING50', amount: '50.00' });
  before = await snapshot();
});
afterAll(async () => {
  await api?.close();
});

// ---- what "nothing written" means ------------------------------------------------------

interface Snapshot {
  rows: Record<string, number>;
  sums: Record<string, string>;
  workflows: number;
}

async function snapshot(): Promise<Snapshot> {
  const { db, client, taskQueue } = api.engine;
  const tables = await db.$queryRaw<{ name: string }[]>`
    SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`;
  const rows: Record<string, number> = {};
  for (const { name } of tables) {
    if (BOOKKEEPING.has(name)) continue;
    const [row] = await db.$queryRawUnsafe<{ n: bigint }[]>(
      `SELECT count(*) AS n FROM "${name.replace(/"/g, '""')}"`,
    );
    rows[name] = Number(row?.n ?? 0);
  }
  const [sums] = await db.$queryRaw<Record<string, string | null>[]>`
    SELECT
      (SELECT sum("fundsBalance")::text FROM "Account") AS "fundsBalance",
      (SELECT sum("arrears")::text FROM "Account") AS "arrears",
      (SELECT sum("balance")::text FROM "Coupon") AS "couponBalance",
      (SELECT sum("amountDelta")::text FROM "FundsMovement") AS "fundsMovements",
      (SELECT sum("balanceDelta")::text FROM "CouponMovement") AS "couponMovements",
      (SELECT sum("amount")::text FROM "Payment") AS "payments"`;
  const { count } = await client.workflow.count(`TaskQueue = '${taskQueue}'`);
  return {
    rows,
    sums: Object.fromEntries(Object.entries(sums ?? {}).map(([k, v]) => [k, v ?? '0'])),
    workflows: count,
  };
}

// ---- requests --------------------------------------------------------------------------

interface FuzzRequest {
  params?: Record<string, string>;
  query?: Record<string, string | string[]>;
  /** A JSON value to send, or raw text (`raw`). */
  body?: unknown;
  raw?: string;
  /** content-type; null: none. Default application/json when there is a body. */
  contentType?: string | null;
  /** Idempotency-Key; null: none; default a fresh valid one when the operation needs it. */
  idempotencyKey?: string | null;
  /** Authorization header; null: none; default a key with one of the route's scopes. */
  authorization?: string | null;
}

interface Answer {
  status: number;
  contentType: string;
  retryAfter: string | null;
  wwwAuthenticate: string | null;
  body: { status?: number; code?: string; detail?: string; errors?: { field: string }[] } | null;
  text: string;
}

function keyFor(op: FuzzOperation): string {
  const scopes = scopesOf.get(op.id) ?? [];
  const scope = (['signup', 'billing', 'ops'] as const).find((s) => scopes.includes(s));
  if (!scope) throw new Error(`${op.id}: no test key has one of its scopes`);
  return api.keys[scope];
}

function urlOf(op: FuzzOperation, request: FuzzRequest): string {
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value =
      request.params?.[name] ??
      String(validOf(op.pathParams.find((p) => p.name === name)?.schema ?? {}));
    return encodeURIComponent(value);
  });
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(request.query ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) search.append(name, v);
  }
  const query = search.toString();
  return `${api.url}${path}${query ? `?${query}` : ''}`;
}

async function send(op: FuzzOperation, request: FuzzRequest): Promise<Answer> {
  requests++;
  const headers: Record<string, string> = {};
  const authorization =
    request.authorization === undefined ? `Bearer ${keyFor(op)}` : request.authorization;
  if (authorization !== null) headers.authorization = authorization;
  const idem =
    request.idempotencyKey === undefined
      ? op.idempotent
        ? `fuzz-${randomUUID()}`
        : null
      : request.idempotencyKey;
  if (idem !== null) headers['idempotency-key'] = idem;
  const text =
    request.raw ?? (request.body === undefined ? undefined : JSON.stringify(request.body));
  const contentType =
    request.contentType === undefined
      ? text === undefined
        ? null
        : 'application/json'
      : request.contentType;
  if (contentType !== null) headers['content-type'] = contentType;
  // Never a hang: every answer within 20 s.
  const response = await fetch(urlOf(op, request), {
    method: op.method,
    headers,
    ...(text === undefined ? {} : { body: text }),
    signal: AbortSignal.timeout(20_000),
  });
  const body = await response.text();
  let parsed: Answer['body'] = null;
  try {
    parsed = body ? (JSON.parse(body) as Answer['body']) : null;
  } catch {
    parsed = null;
  }
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    retryAfter: response.headers.get('retry-after'),
    wwwAuthenticate: response.headers.get('www-authenticate'),
    body: parsed,
    text: body.slice(0, 500),
  };
}

/** The base request of an operation: valid path parameters and body, no query. */
function baseOf(op: FuzzOperation): FuzzRequest {
  const params = Object.fromEntries(op.pathParams.map((p) => [p.name, String(validOf(p.schema))]));
  return { params, ...(op.body ? { body: validOf(op.body, true) } : {}) };
}

interface Expected {
  statuses?: number[];
  codes?: string[];
  /** Each must be named: exactly, or by a descendant (`body.address` by `body.address.city`). */
  fields?: string[];
  /** Fields that may be named instead of a target (a union above it). */
  alternatives?: string[];
  /** Every named field must be one of these (or under one). */
  only?: string[];
}

const under = (field: string, root: string) => field === root || field.startsWith(`${root}.`);

/** A clear refusal: 4xx problem+json with its code, naming the fields at fault. */
function expectRefused(answer: Answer, expected: Expected): void {
  const problem = answer.body;
  const shown = `${answer.status} ${answer.contentType} ${answer.text}`;
  if (answer.status < 400 || answer.status >= 500) throw new Error(`not a 4xx: ${shown}`);
  if (!answer.contentType.startsWith('application/problem+json'))
    throw new Error(`not problem+json: ${shown}`);
  if (!problem || problem.status !== answer.status || !problem.code || !problem.detail)
    throw new Error(`not a problem with status, code and detail: ${shown}`);
  if (expected.statuses && !expected.statuses.includes(answer.status))
    throw new Error(`status ${answer.status}, expected ${expected.statuses.join('/')}: ${shown}`);
  if (expected.codes && !expected.codes.includes(problem.code))
    throw new Error(`code ${problem.code}, expected ${expected.codes.join('/')}: ${shown}`);
  const named = (problem.errors ?? []).map((e) => e.field);
  for (const target of expected.fields ?? []) {
    const ok =
      named.some((f) => under(f, target)) ||
      (expected.alternatives ?? []).some((alt) => named.includes(alt));
    if (!ok)
      throw new Error(`${target} not named (named: ${named.join(', ') || 'none'}): ${shown}`);
  }
  for (const f of named) {
    if (expected.only && !expected.only.some((root) => under(f, root)))
      throw new Error(`named ${f}, outside ${expected.only.join(', ')}: ${shown}`);
  }
}

/** Runs a property for one operation and category; a failure names both and the seed. */
async function fuzz<T>(
  op: FuzzOperation,
  category: Category,
  arbitrary: fc.Arbitrary<T>,
  check: (value: T) => Promise<void>,
  numRuns = RUNS,
): Promise<void> {
  const seed =
    SEED + [...`${op.id}|${category}`].reduce((h, c) => (h * 31 + c.charCodeAt(0)) | 0, 0);
  const counted = runs.get(op.id) ?? new Map<Category, number>();
  runs.set(op.id, counted);
  try {
    await fc.assert(
      fc.asyncProperty(arbitrary, async (value) => {
        counted.set(category, (counted.get(category) ?? 0) + 1);
        await check(value);
      }),
      { numRuns, seed, endOnFailure: true, includeErrorInReport: true },
    );
  } catch (err) {
    throw new Error(`${op.id}, ${category} (FUZZ_SEED=${SEED}):\n${(err as Error).message}`);
  }
}

/** A value as text for a URL (junk objects may have no prototype, so no toString). */
const asText = (v: unknown): string =>
  typeof v === 'string' ? v : (JSON.stringify(v) ?? 'undefined');

const fieldName = (path: readonly string[]) => ['body', ...path].join('.');

// ---- the plan --------------------------------------------------------------------------

test('the plan covers every served route: each operation of the document, with a valid base request', () => {
  const documented = operations.map((o) => o.id).sort();
  const served = [...scopesOf.keys()].sort();
  expect(documented).toEqual(served);
  expect(documented).toEqual(
    expect.arrayContaining([
      'PUT /v1/organizations/{organizationId}',
      'PUT /v1/accounts/{accountId}/organization',
      'DELETE /v1/accounts/{accountId}/organization/{organizationId}',
      'POST /codec/decode',
    ]),
  );
  for (const op of operations) {
    expect({ op: op.id, key: Boolean(keyFor(op)) }).toEqual({ op: op.id, key: true });
    // A route whose base request cannot be built from its schemas is not fuzzed:
    // extend STRING_CANDIDATES in test/support/openapi-fuzz.ts.
    const base = baseOf(op);
    const unbuilt = [
      ...Object.entries(base.params ?? {})
        .filter(([, v]) => v === 'undefined')
        .map(([k]) => `params.${k}`),
      ...(op.body && base.body === undefined ? ['body'] : []),
    ];
    expect({ op: op.id, unbuilt }).toEqual({ op: op.id, unbuilt: [] });
  }
});

// ---- the properties --------------------------------------------------------------------

test('hostile path parameters: 400 naming params.<name>', async () => {
  for (const op of operations.filter((o) => o.pathParams.length > 0)) {
    const arbitrary = fc.constantFrom(...op.pathParams).chain((param) =>
      invalidOf(param.schema)
        // Within the request line Node accepts (a longer URL: the 431 case below).
        .map((v) => asText(v).slice(0, 1500))
        .filter(
          (v) =>
            !['', '.', '..'].includes(v) &&
            !LONE_SURROGATE.test(v) &&
            encodeURIComponent(v).length <= 2000 &&
            !conforms(param.schema, v),
        )
        .map((value) => ({ param, value })),
    );
    await fuzz(op, 'path parameter', arbitrary, async ({ param, value }) => {
      const base = baseOf(op);
      const answer = await send(op, { ...base, params: { ...base.params, [param.name]: value } });
      expectRefused(answer, {
        statuses: [400],
        codes: ['invalid_input'],
        fields: [`params.${param.name}`],
        only: ['params'],
      });
    });
  }
  // A URL longer than Node's header limit is refused before routing, as a problem too.
  const op = operations.find((o) => o.id === 'GET /v1/accounts/{accountId}');
  if (!op) throw new Error('GET /v1/accounts/{accountId} is not in the document');
  expectRefused(await send(op, { params: { accountId: 'a'.repeat(20_000) } }), {
    statuses: [431],
    codes: ['headers_too_large'],
  });
});

test('hostile query parameters (repeated ones too): 400 naming query.<name>', async () => {
  for (const op of operations.filter((o) => o.query.length > 0)) {
    const arbitrary = fc.constantFrom(...op.query).chain((param) =>
      invalidOf(param.schema, true)
        .map((v) =>
          Array.isArray(v) ? v.map((s) => asText(s).slice(0, 1500)) : asText(v).slice(0, 1500),
        )
        .filter((v) => !conforms(param.schema, v, true))
        .map((value) => ({ param, value })),
    );
    await fuzz(op, 'query parameter', arbitrary, async ({ param, value }) => {
      const answer = await send(op, {
        ...baseOf(op),
        query: { [param.name]: value as string | string[] },
      });
      expectRefused(answer, {
        statuses: [400],
        codes: ['invalid_input'],
        fields: [`query.${param.name}`],
        only: ['query'],
      });
    });
  }
});

test('hostile body fields (wrong types, oversized, look-alikes, zero-width, RTL, case variants, junk): 400 naming body.<field>', async () => {
  for (const op of operations.filter((o) => o.body)) {
    const fields = bodyFields(op.body as JsonSchema);
    const arbitrary = fields.length
      ? fc
          .constantFrom(...fields)
          .chain((field) => invalidOf(field.schema).map((value) => ({ field, value })))
      : // A body with no fields (codec payloads are a list): the whole body is wrong.
        invalidOf(op.body as JsonSchema).map((value) => ({
          field: { path: [] as string[], unionPaths: [] as string[][] },
          value,
        }));
    await fuzz(op, 'body field', arbitrary, async ({ field, value }) => {
      const base = baseOf(op);
      const answer = await send(op, { ...base, body: setAt(base.body, field.path, value) });
      expectRefused(answer, {
        statuses: [400],
        codes: ['invalid_input'],
        fields: [fieldName(field.path)],
        alternatives: field.unionPaths.map(fieldName),
        only: ['body'],
      });
    });
  }
});

test('unknown keys in strict bodies (constructor, prototype, toString, secrets, random): 400 naming each', async () => {
  for (const op of operations.filter((o) => o.body && strictObjects(o.body).length > 0)) {
    const arbitrary = fc
      .constantFrom(...strictObjects(op.body as JsonSchema))
      .chain((object) =>
        fc.tuple(extraKey(object.known), junk).map(([key, value]) => ({ object, key, value })),
      );
    await fuzz(op, 'unknown key', arbitrary, async ({ object, key, value }) => {
      const base = baseOf(op);
      const path = [...object.path, key];
      const answer = await send(op, { ...base, body: setAt(base.body, path, value) });
      expectRefused(answer, {
        statuses: [400],
        codes: ['invalid_input'],
        fields: [fieldName(path)],
        only: ['body'],
      });
    });
  }
});

test('malformed JSON and prototype-pollution keys (__proto__, constructor.prototype): 400 naming body, prototype clean', async () => {
  for (const op of operations.filter((o) => o.body)) {
    const valid = JSON.stringify(baseOf(op).body);
    await fuzz(op, 'malformed JSON', malformedJson(valid), async (raw) => {
      const answer = await send(op, { ...baseOf(op), raw });
      expectRefused(answer, {
        statuses: [400],
        codes: ['malformed_json', 'invalid_input'],
        fields: ['body'],
        only: ['body'],
      });
    });
  }
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
});

test('wrong or missing content-type, and a body over the limit: 415 / 400 / 413', async () => {
  const types = fc.constantFrom(
    null,
    'text/plain',
    'text/html',
    'application/xml',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=fuzz',
    'application/octet-stream',
    'application/problem+json',
    'application/json-patch+json',
    'image/png',
    '*/*',
    'application',
  );
  for (const op of operations.filter((o) => o.body)) {
    await fuzz(op, 'content-type', types, async (contentType) => {
      const base = baseOf(op);
      const answer = await send(op, { ...base, raw: JSON.stringify(base.body), contentType });
      expectRefused(answer, {
        statuses: [400, 415],
        codes: ['unsupported_media_type', 'invalid_input'],
        fields: [answer.status === 415 ? 'headers.content-type' : 'body'],
      });
    });
    // Over Fastify's 1 MiB body limit, inside a field.
    const huge = setAt(baseOf(op).body, ['padding'], 'x'.repeat(1_100_000));
    expectRefused(await send(op, { ...baseOf(op), body: huge }), {
      statuses: [413],
      codes: ['body_too_large'],
      fields: ['body'],
    });
  }
});

test('bad Idempotency-Keys (too short, too long, spaces or tabs inside, non-ASCII, missing): 400 naming only the header', async () => {
  const key = fc.oneof(
    fc.constant(null),
    fc.string({
      minLength: 0,
      maxLength: 7,
      unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
    }),
    fc.integer({ min: 256, max: 2000 }).map((n) => 'k'.repeat(n)),
    fc
      .tuple(fc.constantFrom(' ', '\t', 'é', 'ÿ', '\u00a0'), fc.nat({ max: 6 }))
      .map(([c, i]) => `idem-${'x'.repeat(i)}${c}key-1234`),
  );
  for (const op of operations.filter((o) => o.idempotent)) {
    await fuzz(op, 'Idempotency-Key', key, async (idempotencyKey) => {
      const answer = await send(op, { ...baseOf(op), idempotencyKey });
      // Params and body are valid, so the header is the only field at fault.
      expectRefused(answer, {
        statuses: [400],
        codes: ['invalid_input'],
        fields: ['headers.idempotency-key'],
        only: ['headers.idempotency-key'],
      });
    });
  }
});

test('bad API keys (missing, malformed, wrong secret, unknown id, another scheme, wrong scope): 401 / 403', async () => {
  const secret = fc.string({
    minLength: 43,
    maxLength: 43,
    unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
  });
  for (const op of operations) {
    const scopes = scopesOf.get(op.id) ?? [];
    const outsider = (['signup', 'ops', 'billing'] as const).find((s) => !scopes.includes(s));
    const authorization = fc.oneof(
      fc.constant(null),
      fc.constantFrom('', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Token abc', 'bk_nobody'),
      secret.map((s) => `Bearer bk_test-signup.${s}`),
      secret.map((s) => `Bearer bk_no-such-key.${s}`),
      fc
        .string({
          maxLength: 60,
          unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
        })
        .map((s) => `Bearer ${s}`),
      fc
        .constantFrom(...HOSTILE_CHARACTERS.filter((c) => c.length === 1 && c.charCodeAt(0) > 0xff))
        .map((c) => `Bearer ${encodeURIComponent(c)}`),
      ...(outsider ? [fc.constant(`Bearer ${api.keys[outsider]}`)] : []),
    );
    await fuzz(op, 'API key', authorization, async (value) => {
      const answer = await send(op, { ...baseOf(op), authorization: value });
      if (answer.status === 403) {
        expectRefused(answer, { codes: ['insufficient_scope'] });
      } else {
        expectRefused(answer, { statuses: [401], codes: ['missing_api_key', 'invalid_api_key'] });
        if (answer.wwwAuthenticate !== 'Bearer') throw new Error('401 without WWW-Authenticate');
      }
    });
  }
});

test('look-alikes of a real promo code (unicode, fullwidth, zero-width, RTL, combining marks): 400 naming body.code, never redeemed', async () => {
  const op = operations.find((o) => o.id === 'POST /v1/accounts/{accountId}/promo-codes');
  if (!op) throw new Error('the redemption route is not in the document');
  const lookAlike = fc
    .oneof(
      fc.tuple(fc.nat(), fc.constantFrom(...HOSTILE_CHARACTERS)).map(([at, c]) => {
        const i = at % realCode.length;
        return realCode.slice(0, i) + c + realCode.slice(i + 1);
      }),
      fc.constant(
        [...realCode].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join(''), // fullwidth
      ),
      fc.constant(realCode.replace(/S/g, '\u0405').replace(/P/g, '\u0420')), // Cyrillic
      fc.constant(`${realCode}\u200b`),
      fc.constant(`\u202e${realCode}`),
      fc.constant(`${realCode.slice(0, 4)}\u0301${realCode.slice(4)}`),
    )
    .filter((code) => code !== realCode);
  await fuzz(
    op,
    'body field',
    lookAlike,
    async (code) => {
      const answer = await send(op, { params: { accountId: fixtureAccount }, body: { code } });
      expectRefused(answer, { statuses: [400], codes: ['invalid_input'], fields: ['body.code'] });
    },
    30,
  );
});

test('after all of it: nothing was written, no workflow started, and the server still serves', async () => {
  expect(await snapshot()).toEqual(before);
  const health = await fetch(`${api.url}/health`);
  expect(health.status).toBe(200);
  const account = await api.call('GET', `/v1/accounts/${fixtureAccount}`);
  expect(account.status).toBe(200);
  expect(account.body).toMatchObject({ fundsBalance: '5.00' });
});

test('case variants of a real code are other codes: refused unknown_code (then too_many_attempts), never redeemed; the real code then redeems', async () => {
  const op = operations.find((o) => o.id === 'POST /v1/accounts/{accountId}/promo-codes');
  if (!op) throw new Error('the redemption route is not in the document');
  const variant = fc
    .array(fc.boolean(), { minLength: realCode.length, maxLength: realCode.length })
    .map((flips) => [...realCode].map((c, i) => (flips[i] ? c.toLowerCase() : c)).join(''))
    .filter((code) => code !== realCode);
  const start = await snapshot();
  const refusals = new Set<string>();
  let attempts = 0;
  await fuzz(
    op,
    'body field',
    variant,
    async (code) => {
      attempts++;
      const answer = await send(op, { params: { accountId: fixtureAccount }, body: { code } });
      expectRefused(answer, { statuses: [422, 429], codes: ['unknown_code', 'too_many_attempts'] });
      refusals.add(answer.body?.code ?? '');
    },
    15,
  );
  expect(refusals.has('unknown_code')).toBe(true);
  const after = await snapshot();
  // Guesses are counted (CodeAttempt) and each ran a redemption workflow that failed;
  // nothing else changed: no redemption, no funds, no ledger movement.
  // (Their 422 answers are kept for their Idempotency-Keys.)
  const ignored = { CodeAttempt: 0, ApiIdempotencyRecord: 0 };
  expect(after.sums).toEqual(start.sums);
  expect({ ...after.rows, ...ignored }).toEqual({ ...start.rows, ...ignored });
  expect(after.rows.CodeAttempt).toBeGreaterThan(start.rows.CodeAttempt ?? 0);
  expect(after.rows.CodeAttempt).toBeLessThanOrEqual((start.rows.CodeAttempt ?? 0) + attempts);
  const { count: completed } = await api.engine.client.workflow.count(
    `TaskQueue = '${api.engine.taskQueue}' AND ExecutionStatus = 'Completed'`,
  );
  expect(completed).toBe(0);

  // The per-account attempt limit (CODE_ATTEMPT_MAX 10) may now refuse every code for
  // an hour: a fresh account redeems the real code, and the snapshot sees it.
  const other = await createAccount(api.engine.db, { status: 'upgraded' });
  const redeemed = await api.call('POST', `/v1/accounts/${other}/promo-codes`, {
    body: { code: realCode },
  });
  expect(redeemed.status).toBe(200);
  expect(redeemed.body).toMatchObject({ fundsAdded: '50.00' });
  const last = await snapshot();
  expect(last.rows.CodeRedemption).toBe((start.rows.CodeRedemption ?? 0) + 1);
});

test('coverage: every route was fuzzed in every category that applies to it', () => {
  const missing: string[] = [];
  for (const op of operations) {
    const counted = runs.get(op.id) ?? new Map<Category, number>();
    const applies: Category[] = [
      ...(op.pathParams.length ? (['path parameter'] as const) : []),
      ...(op.query.length ? (['query parameter'] as const) : []),
      ...(op.body ? (['body field', 'malformed JSON', 'content-type'] as const) : []),
      ...(op.body && strictObjects(op.body).length ? (['unknown key'] as const) : []),
      ...(op.idempotent ? (['Idempotency-Key'] as const) : []),
      'API key' as const,
    ];
    for (const category of applies)
      if ((counted.get(category) ?? 0) < RUNS) missing.push(`${op.id}: ${category}`);
  }
  expect(missing).toEqual([]);
  const total = [...runs.values()].reduce(
    (sum, counted) => sum + [...counted.values()].reduce((a, b) => a + b, 0),
    0,
  );
  const perCategory = Object.fromEntries(
    CATEGORIES.map((c) => [
      c,
      [...runs.values()].reduce((sum, counted) => sum + (counted.get(c) ?? 0), 0),
    ]),
  );
  console.log(
    `fuzzed ${operations.length} operations: ${total} generated cases, ${requests} requests; ${JSON.stringify(perCategory)}`,
  );
});
