/**
 * Structured logs without secrets: fields that hold codes, tokens, card data,
 * personal data or API keys are censored by name, and free text is scrubbed of
 * card numbers, gateway tokens, API keys and sealed codes. SDK log calls land as
 * JSON with their metadata.
 */
import { Writable } from 'node:stream';
import { createEngineLogger, PinoSdkLogger, scrub } from '../../../worker/logging';

function capture(): { lines: () => Array<Record<string, unknown>>; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const SECRETS = {
  card: '4242424242424242',
  token: 'tok_card_abcdefgh12345678',
  apiKey: 'bk_dev-ops.Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cQ',
  sealed: `v1.${'A'.repeat(60)}`,
  promo: 'SPRING-PROMO-50',
  phone: '+14155550123',
};

test('secret fields are censored by name, top level and one level down', () => {
  const out = capture();
  const logger = createEngineLogger('INFO', out.stream);
  logger.info(
    {
      code: SECRETS.promo,
      token: SECRETS.token,
      phone: SECRETS.phone,
      input: { code: SECRETS.promo, number: SECRETS.card, cvc: '123', accountId: 'acct-1' },
      req: { headers: { authorization: `Bearer ${SECRETS.apiKey}` } },
    },
    'step',
  );
  const text = JSON.stringify(out.lines());
  for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
  expect(text).toContain('acct-1'); // ids stay
  expect(out.lines()[0]).toMatchObject({ msg: 'step', level: 30, service: 'billing-engine' });
});

test('free text and errors are scrubbed of what has a recognisable shape', () => {
  const out = capture();
  const logger = createEngineLogger('INFO', out.stream);
  logger.warn(`charge with ${SECRETS.token} for card ${SECRETS.card} by ${SECRETS.apiKey}`);
  logger.error({ err: new Error(`sealed ${SECRETS.sealed} refused`) }, 'failed');
  const text = JSON.stringify(out.lines());
  for (const secret of [SECRETS.card, SECRETS.token, SECRETS.apiKey, SECRETS.sealed]) {
    expect(text).not.toContain(secret);
  }
  expect(text).toContain('bk_dev-ops.[redacted]');
  expect(scrub('4242 4242 4242 4242')).toBe('[card number]');
  expect(scrub('order 12345 total 99')).toBe('order 12345 total 99');
});

test('the SDK logger writes JSON with its metadata, at its level', () => {
  const out = capture();
  const sdk = new PinoSdkLogger(createEngineLogger('WARN', out.stream));
  sdk.info('ignored below WARN');
  sdk.warn('Activity failed', {
    activityType: 'redeemCode',
    workflowId: 'promo-code/a/X',
    code: 'X1',
  });
  const lines = out.lines();
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({
    msg: 'Activity failed',
    activityType: 'redeemCode',
    component: 'temporal',
    code: '[redacted]',
  });
});
