/**
 * The payload codec: AES-256-GCM with the key id in the payload's metadata.
 * Round trip, rotation (a new active key, retired keys still open old payloads),
 * tamper detection, and keyring parsing errors that name what is wrong.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import {
  ENCRYPTED_ENCODING,
  EncryptionCodec,
  KEY_ID_METADATA,
  KeyringError,
  generateKeyEntry,
  parseKeyring,
} from '../../../client/codec';
import { payloadKeyring } from '../../../client/data-converter';
import { ConfigError } from '../../../worker/config';

const personal = {
  phone: '+14155550123',
  address: { line1: '1 Market St', city: 'San Francisco', postalCode: '94105', country: 'US' },
  token: 'tok_card_secret_ABCDEFGH',
};
const toPayload = (value: unknown) => defaultPayloadConverter.toPayload(value);
const text = (bytes: Uint8Array | null | undefined): string => Buffer.from(bytes ?? []).toString();

describe('EncryptionCodec', () => {
  const oldEntry = generateKeyEntry('k1');
  const newEntry = generateKeyEntry('k2');

  test('round trip: the payload comes back byte for byte, and nothing personal shows while encoded', async () => {
    const codec = new EncryptionCodec(parseKeyring(oldEntry));
    const payload = toPayload(personal);
    const [encoded] = await codec.encode([payload]);
    expect(text(encoded?.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encoded?.metadata?.[KEY_ID_METADATA])).toBe('k1');
    const raw = text(encoded?.data) + JSON.stringify(encoded);
    for (const secret of ['4155550123', 'Market', '94105', 'tok_card', 'json/plain']) {
      expect(raw).not.toContain(secret);
    }
    const [decoded] = await codec.decode([encoded ?? {}]);
    expect(decoded).toEqual(payload);
    expect(defaultPayloadConverter.fromPayload(decoded ?? {})).toEqual(personal);
  });

  test('the same value seals differently each time (random IV)', async () => {
    const codec = new EncryptionCodec(parseKeyring(oldEntry));
    const [a, b] = await codec.encode([toPayload('same'), toPayload('same')]);
    expect(text(a?.data)).not.toBe(text(b?.data));
  });

  test('rotation: new payloads use the new active key; payloads of the retired key still open', async () => {
    const before = new EncryptionCodec(parseKeyring(oldEntry));
    const [old] = await before.encode([toPayload(personal)]);
    const rotated = new EncryptionCodec(parseKeyring(`${newEntry},${oldEntry}`));
    const [fresh] = await rotated.encode([toPayload('after rotation')]);
    expect(text(fresh?.metadata?.[KEY_ID_METADATA])).toBe('k2');
    const [openedOld, openedNew] = await rotated.decode([old ?? {}, fresh ?? {}]);
    expect(defaultPayloadConverter.fromPayload(openedOld ?? {})).toEqual(personal);
    expect(defaultPayloadConverter.fromPayload(openedNew ?? {})).toBe('after rotation');
    // An explicit active key overrides the order.
    const explicit = new EncryptionCodec(parseKeyring(`${newEntry},${oldEntry}`, 'k1'));
    const [sealed] = await explicit.encode([toPayload(1)]);
    expect(text(sealed?.metadata?.[KEY_ID_METADATA])).toBe('k1');
  });

  test('a keyring without the key says which key is missing', async () => {
    const [old] = await new EncryptionCodec(parseKeyring(oldEntry)).encode([toPayload(1)]);
    const onlyNew = new EncryptionCodec(parseKeyring(newEntry));
    await expect(onlyNew.decode([old ?? {}])).rejects.toThrow(
      /key "k1", which is not in the keyring/,
    );
  });

  test('tampering fails: flipped ciphertext, or a payload relabelled with another key id', async () => {
    const sameSecret = oldEntry.split(':')[1];
    const codec = new EncryptionCodec(parseKeyring(`${oldEntry},k3:${sameSecret}`));
    const [sealed] = await codec.encode([toPayload(personal)]);
    const data = Buffer.from(sealed?.data ?? []);
    data[20] = (data[20] ?? 0) ^ 1;
    await expect(codec.decode([{ ...sealed, data }])).rejects.toThrow();
    // k3 holds the very same key bytes: only the authenticated key id tells them apart.
    const relabelled = {
      ...sealed,
      metadata: { ...sealed?.metadata, [KEY_ID_METADATA]: Buffer.from('k3') },
    };
    await expect(codec.decode([relabelled])).rejects.toThrow();
  });

  test('payloads written before encryption pass through decode unchanged', async () => {
    const codec = new EncryptionCodec(parseKeyring(oldEntry));
    const plain = toPayload({ a: 1 });
    expect(await codec.decode([plain])).toEqual([plain]);
  });
});

describe('keyring configuration', () => {
  test.each([
    ['', /no key/],
    ['k1', /expected id:base64key/],
    ['bad id!:AAAA', /expected id:base64key/],
    ['k1:c2hvcnQ=', /k1 must be 32 bytes/],
    [`${generateKeyEntry('k1')},${generateKeyEntry('k1')}`, /k1 appears twice/],
  ])('%j is refused', (spec, message) => {
    expect(() => parseKeyring(spec)).toThrow(KeyringError);
    expect(() => parseKeyring(spec)).toThrow(message);
  });

  test('an active key not in the ring is refused', () => {
    expect(() => parseKeyring(generateKeyEntry('k1'), 'k9')).toThrow(/active key k9/);
  });

  test('the development key serves only the embedded dev server', () => {
    expect(payloadKeyring({}).activeKeyId).toBe('dev-1');
    expect(() => payloadKeyring({ TEMPORAL_ADDRESS: 'temporal.example:7233' })).toThrow(
      ConfigError,
    );
    expect(() => payloadKeyring({ TEMPORAL_ADDRESS: 'temporal.example:7233' })).toThrow(
      /^PAYLOAD_CODEC_KEYS: required/,
    );
    expect(() => payloadKeyring({ PAYLOAD_CODEC_KEYS: 'k1:c2hvcnQ=' })).toThrow(
      /^PAYLOAD_CODEC_KEYS: key k1 must be 32 bytes/,
    );
    expect(() =>
      payloadKeyring({ PAYLOAD_CODEC_KEYS: generateKeyEntry('k1'), PAYLOAD_CODEC_ACTIVE_KEY: 'x' }),
    ).toThrow(/^PAYLOAD_CODEC_ACTIVE_KEY:/);
  });
});
