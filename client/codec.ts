/**
 * Payload encryption: every workflow input, result, update argument, query
 * answer, memo, summary and failure attribute is sealed with AES-256-GCM before
 * it leaves this process, so the history Temporal stores holds no address, phone
 * number or payment token in clear. Each encrypted payload names its key id in
 * its metadata; the keyring keeps retired keys, so rotating (a new active key,
 * the old ones kept) leaves every old history readable.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';

/** Metadata values of an encrypted payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
export const CIPHER_METADATA = 'encryption-cipher';
const CIPHER = 'AES-256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface Keyring {
  /** The key new payloads are sealed with. */
  activeKeyId: string;
  /** Every key that may still open a payload: the active one and the retired ones. */
  keys: ReadonlyMap<string, Buffer>;
}

/** A keyring problem, worded for the variable that holds it. */
export class KeyringError extends Error {
  override readonly name = 'KeyringError';
}

const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Parses `id:base64key,id:base64key` (each key 32 bytes). The active key is
 * `activeKeyId` when given, otherwise the first entry: rotate by putting a new
 * key first and keeping the old ones after it.
 */
export function parseKeyring(spec: string, activeKeyId?: string): Keyring {
  const keys = new Map<string, Buffer>();
  const entries = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new KeyringError('no key: expected id:base64key[,id:base64key]');
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    const id = colon === -1 ? '' : entry.slice(0, colon);
    const encoded = colon === -1 ? '' : entry.slice(colon + 1);
    if (!KEY_ID.test(id)) {
      throw new KeyringError(
        `entry ${keys.size + 1}: expected id:base64key, the id 1-64 of A-Z a-z 0-9 _ . -`,
      );
    }
    if (keys.has(id)) throw new KeyringError(`key id ${id} appears twice`);
    const key = BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : Buffer.alloc(0);
    if (key.length !== 32) {
      throw new KeyringError(`key ${id} must be 32 bytes in base64 (openssl rand -base64 32)`);
    }
    keys.set(id, key);
  }
  const active = activeKeyId ?? entries[0]?.slice(0, entries[0].indexOf(':')) ?? '';
  if (!keys.has(active)) throw new KeyringError(`the active key ${active} is not in the keyring`);
  return { activeKeyId: active, keys };
}

/** A fresh key entry for a keyring, `id:base64key`. */
export function generateKeyEntry(id: string): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');

/** The inner payload, serialised so that its metadata (the encoding) is sealed too. */
function serialise(payload: Payload): Buffer {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(payload.metadata ?? {})) {
    metadata[k] = Buffer.from(v).toString('base64');
  }
  return Buffer.from(
    JSON.stringify({ metadata, data: Buffer.from(payload.data ?? []).toString('base64') }),
  );
}

function deserialise(bytes: Buffer): Payload {
  const parsed = JSON.parse(bytes.toString('utf8')) as {
    metadata: Record<string, string>;
    data: string;
  };
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(parsed.metadata)) {
    metadata[k] = new Uint8Array(Buffer.from(v, 'base64'));
  }
  return { metadata, data: new Uint8Array(Buffer.from(parsed.data, 'base64')) };
}

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keyring: Keyring) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const keyId = this.keyring.activeKeyId;
    const key = this.keyring.keys.get(keyId) as Buffer;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      // The key id is authenticated: a payload cannot be relabelled with another key.
      cipher.setAAD(utf8(keyId));
      const sealed = Buffer.concat([cipher.update(serialise(payload)), cipher.final()]);
      return {
        metadata: {
          [METADATA_ENCODING_KEY]: utf8(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA]: utf8(keyId),
          [CIPHER_METADATA]: utf8(CIPHER),
        },
        data: new Uint8Array(Buffer.concat([iv, sealed, cipher.getAuthTag()])),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
      // Payloads written before encryption was turned on stay readable as they are.
      if (!encoding || Buffer.from(encoding).toString() !== ENCRYPTED_ENCODING) return payload;
      const idBytes = payload.metadata?.[KEY_ID_METADATA];
      const keyId = idBytes ? Buffer.from(idBytes).toString() : '';
      const key = this.keyring.keys.get(keyId);
      if (!key) {
        throw new KeyringError(
          `payload encrypted with key "${keyId}", which is not in the keyring (keep retired keys after rotating)`,
        );
      }
      const data = Buffer.from(payload.data ?? []);
      if (data.length < IV_BYTES + TAG_BYTES) throw new KeyringError('encrypted payload too short');
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(utf8(keyId));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const clear = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return deserialise(clear);
    });
  }
}
