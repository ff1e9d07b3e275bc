/** RATE_LIMIT_* and API_TRUST_PROXY are parsed with zod like every variable (worker/config.ts). */
import { DEFAULT_API_RATE_LIMITS } from '../../../api/rate-limits';
import { apiRateLimitSettings, apiTrustProxy, parseEngineEnv } from '../../../worker/config';

test('defaults when nothing is set (or a copied .env.example leaves values empty)', () => {
  const env = parseEngineEnv({ RATE_LIMIT_CODE_CHECKS_PER_IP: '', API_TRUST_PROXY: '' });
  expect(apiRateLimitSettings(env)).toEqual(DEFAULT_API_RATE_LIMITS);
  expect(apiTrustProxy(env)).toBe(false);
});

test('each limit and the window are read from the environment', () => {
  const env = parseEngineEnv({
    RATE_LIMIT_WINDOW: '1 minute',
    RATE_LIMIT_CODE_SENDS_PER_KEY: '50',
    RATE_LIMIT_CODE_SENDS_PER_IP: '3',
    RATE_LIMIT_CODE_CHECKS_PER_KEY: '60',
    RATE_LIMIT_CODE_CHECKS_PER_IP: '4',
    RATE_LIMIT_CODE_REDEMPTIONS_PER_KEY: '70',
    RATE_LIMIT_CODE_REDEMPTIONS_PER_IP: '5',
    API_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1',
  });
  expect(apiRateLimitSettings(env)).toEqual({
    windowMs: 60_000,
    limits: {
      code_sends: { perApiKey: 50, perClientIp: 3 },
      code_checks: { perApiKey: 60, perClientIp: 4 },
      code_redemptions: { perApiKey: 70, perClientIp: 5 },
    },
  });
  expect(apiTrustProxy(env)).toEqual(['10.0.0.0/8', '127.0.0.1']);
  expect(apiTrustProxy(parseEngineEnv({ API_TRUST_PROXY: 'true' }))).toBe(true);
});

test.each([
  ['RATE_LIMIT_CODE_CHECKS_PER_IP', '0'],
  ['RATE_LIMIT_CODE_SENDS_PER_KEY', 'lots'],
  ['RATE_LIMIT_CODE_REDEMPTIONS_PER_IP', '2.5'],
  ['RATE_LIMIT_WINDOW', 'soon'],
  ['API_TRUST_PROXY', 'everyone'],
])('a bad %s (%p) stops start-up naming it', (name, value) => {
  expect(() => parseEngineEnv({ [name]: value })).toThrow(
    new RegExp(`^invalid configuration: ${name}:`),
  );
});
