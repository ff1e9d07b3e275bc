/**
 * Issue 8: the generated OpenAPI document is valid OpenAPI 3 (swagger-parser),
 * lists exactly the API's routes with their security and problem responses, and
 * is served with interactive docs.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIV3 } from 'openapi-types';
import { createApiHarness, type ApiHarness } from '../../support/api-harness';

jest.setTimeout(60_000);

let api: ApiHarness;
let doc: OpenAPIV3.Document;
beforeAll(async () => {
  api = await createApiHarness();
  const served = await fetch(`${api.url}/openapi.json`);
  expect(served.status).toBe(200);
  doc = (await served.json()) as OpenAPIV3.Document;
});
afterAll(async () => {
  await api?.close();
});

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const operations = (d: OpenAPIV3.Document) =>
  Object.entries(d.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item?.[m]).map((m) => ({
      path,
      method: m,
      op: item?.[m] as OpenAPIV3.OperationObject,
    })),
  );

test('validates as OpenAPI 3', async () => {
  expect(doc.openapi).toMatch(/^3\./);
  await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
});

test('lists exactly the routes the server serves (and no docs or internal routes)', () => {
  const documented = operations(doc)
    .map(({ path, method }) => `${method.toUpperCase()} ${path}`)
    .sort();
  const served = api.app.apiRoutes
    .map(({ method, url }) => `${method} ${url.replace(/:(\w+)/g, '{$1}')}`)
    .sort();
  expect(documented).toEqual(served);
  expect(served).toEqual(
    expect.arrayContaining([
      'POST /v1/trial-upgrades',
      'GET /v1/trial-upgrades/{accountId}',
      'POST /v1/trial-upgrades/{accountId}/confirm',
      'POST /v1/accounts/{accountId}/promo-codes',
      'POST /codec/decode',
    ]),
  );
  for (const route of api.app.apiRoutes) {
    expect(api.app.hasRoute({ method: route.method as 'GET', url: route.url })).toBe(true);
  }
});

test('every operation: bearer security, problem responses, and an Idempotency-Key when it changes state', () => {
  for (const { path, method, op } of operations(doc)) {
    expect({ path, method, security: op.security }).toEqual({
      path,
      method,
      security: [{ apiKey: [] }],
    });
    const problem = op.responses['401'] as OpenAPIV3.ResponseObject;
    expect(Object.keys(problem.content ?? {})).toEqual(['application/problem+json']);
    const headers = (op.parameters ?? []) as OpenAPIV3.ParameterObject[];
    const idem = headers.find((p) => p.in === 'header' && p.name === 'idempotency-key');
    const mutating = method !== 'get' && !path.startsWith('/codec');
    expect({ path, method, idempotencyKey: Boolean(idem?.required) }).toEqual({
      path,
      method,
      idempotencyKey: mutating,
    });
  }
  expect(doc.components?.securitySchemes?.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
  expect(doc.components?.schemas?.Problem).toBeDefined();
});

test('every route refuses a missing, malformed or unknown API key with 401 before it runs', async () => {
  // Path parameters get well-formed ids, so a 401 cannot be a validation answer in disguise.
  const concrete = (path: string) => path.replace(/\{(\w+)\}/g, (_, name: string) => `x-${name}`);
  const counted = async () =>
    Promise.all([
      api.engine.db.operation.count(),
      api.engine.db.account.count(),
      api.engine.db.apiIdempotencyRecord.count(),
    ]);
  const before = await counted();
  const routes = api.app.apiRoutes.filter((r) => !r.url.startsWith('/codec'));
  expect(routes.length).toBeGreaterThan(30);
  for (const { method, url } of routes) {
    const path = concrete(url.replace(/:(\w+)/g, '{$1}'));
    const body = method === 'GET' ? undefined : {};
    for (const [key, code] of [
      [null, 'missing_api_key'],
      ['not-a-key', 'invalid_api_key'],
      ['bk_test-signup.wrong-secret', 'invalid_api_key'],
    ] as const) {
      const answer = await api.call<{ code: string }>(method, path, { key, body });
      expect({ method, path, key, status: answer.status, code: answer.body.code }).toEqual({
        method,
        path,
        key,
        status: 401,
        code,
      });
      expect(answer.headers.get('www-authenticate')).toBe('Bearer');
    }
  }
  expect(await counted()).toEqual(before);
});

test('the interactive docs are served', async () => {
  const page = await fetch(`${api.url}/docs/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toMatch(/swagger/i);
});
