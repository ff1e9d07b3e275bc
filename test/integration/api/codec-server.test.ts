/**
 * Issue 8: the codec server the Temporal UI calls. It opens payloads sealed by
 * the engine (for an ops key only), seals them back, answers CORS preflights for
 * the UI's origin only, and (development) serves a secret path for a UI that has
 * no token to send.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec } from '../../../client/codec';
import { createApiHarness, type ApiHarness } from '../../support/api-harness';

jest.setTimeout(60_000);

const UI = 'http://localhost:8233';
const DEV_TOKEN = 'dev-ui-secret-path-token-1234';
let api: ApiHarness;
let sealed: { metadata: Record<string, string>; data: string };
const personal = { phone: '+14155550123', line1: '1 Market St' };

beforeAll(async () => {
  api = await createApiHarness({ codecCorsOrigins: [UI], devUiToken: DEV_TOKEN });
  const [payload] = await new EncryptionCodec(api.engine.keyring).encode([
    defaultPayloadConverter.toPayload(personal),
  ]);
  sealed = {
    metadata: Object.fromEntries(
      Object.entries(payload?.metadata ?? {}).map(([k, v]) => [
        k,
        Buffer.from(v).toString('base64'),
      ]),
    ),
    data: Buffer.from(payload?.data ?? []).toString('base64'),
  };
});
afterAll(async () => {
  await api?.close();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      origin: UI,
      'x-namespace': 'default',
      ...headers,
    },
    body: JSON.stringify(body),
  });
const clear = (p: { data: string }): unknown =>
  JSON.parse(Buffer.from(p.data, 'base64').toString());

test('decode: an ops key gets the clear payload, with CORS for the UI origin', async () => {
  const answer = await post(
    '/codec/decode',
    { payloads: [sealed] },
    { authorization: `Bearer ${api.keys.ops}` },
  );
  expect(answer.status).toBe(200);
  expect(answer.headers.get('access-control-allow-origin')).toBe(UI);
  const body = (await answer.json()) as {
    payloads: Array<{ data: string; metadata: Record<string, string> }>;
  };
  expect(clear(body.payloads[0] ?? { data: '' })).toEqual(personal);
  expect(Buffer.from(body.payloads[0]?.metadata.encoding ?? '', 'base64').toString()).toBe(
    'json/plain',
  );
});

test('an empty list, which proto JSON writes as {}, decodes to no payloads', async () => {
  const answer = await post('/codec/decode', {}, { authorization: `Bearer ${api.keys.ops}` });
  expect(answer.status).toBe(200);
  expect(await answer.json()).toEqual({ payloads: [] });
});

test('encode then decode round-trips; encode never returns clear data', async () => {
  const plain = defaultPayloadConverter.toPayload({ token: 'tok_secret_value' });
  const json = {
    metadata: { encoding: Buffer.from(plain.metadata?.encoding ?? []).toString('base64') },
    data: Buffer.from(plain.data ?? []).toString('base64'),
  };
  const auth = { authorization: `Bearer ${api.keys.ops}` };
  const encoded = (await (await post('/codec/encode', { payloads: [json] }, auth)).json()) as {
    payloads: Array<{ data: string; metadata: Record<string, string> }>;
  };
  expect(Buffer.from(encoded.payloads[0]?.data ?? '', 'base64').toString('latin1')).not.toContain(
    'tok_secret',
  );
  const decoded = (await (await post('/codec/decode', encoded, auth)).json()) as {
    payloads: Array<{ data: string }>;
  };
  expect(clear(decoded.payloads[0] ?? { data: '' })).toEqual({ token: 'tok_secret_value' });
});

test('without a key 401, with a signup key 403, garbage 422: never a clear payload', async () => {
  const none = await post('/codec/decode', { payloads: [sealed] });
  expect(none.status).toBe(401);
  const signup = await post(
    '/codec/decode',
    { payloads: [sealed] },
    { authorization: `Bearer ${api.keys.signup}` },
  );
  expect(signup.status).toBe(403);
  const tampered = { ...sealed, data: Buffer.from('x'.repeat(40)).toString('base64') };
  const broken = await post(
    '/codec/decode',
    { payloads: [tampered] },
    { authorization: `Bearer ${api.keys.ops}` },
  );
  expect(broken.status).toBe(422);
  for (const answer of [none, signup, broken]) {
    expect(await answer.text()).not.toContain('Market');
  }
});

test('CORS preflight: allowed for the UI origin, not for another', async () => {
  const preflight = (origin: string) =>
    fetch(`${api.url}/codec/decode`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,x-namespace',
      },
    });
  const ui = await preflight(UI);
  expect(ui.status).toBeLessThan(300);
  expect(ui.headers.get('access-control-allow-origin')).toBe(UI);
  expect(ui.headers.get('access-control-allow-headers')).toMatch(/authorization/);
  expect(ui.headers.get('access-control-allow-credentials')).toBe('true');
  const other = await preflight('https://evil.example');
  expect(other.headers.get('access-control-allow-origin')).toBeNull();
});

test('development: the secret UI path decodes without a token; a wrong path does not', async () => {
  const ok = await post(`/codec/ui/${DEV_TOKEN}/decode`, { payloads: [sealed] });
  expect(ok.status).toBe(200);
  const body = (await ok.json()) as { payloads: Array<{ data: string }> };
  expect(clear(body.payloads[0] ?? { data: '' })).toEqual(personal);
  const wrong = await post(`/codec/ui/${DEV_TOKEN.replace(/.$/, 'x')}/decode`, {
    payloads: [sealed],
  });
  expect(wrong.status).toBe(401);
});
