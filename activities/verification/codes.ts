/**
 * Verification codes: generated with a CSPRNG, stored only as an HMAC, and sealed
 * (AES-256-GCM) on their way from the signup service to the worker so the typed
 * code never appears in workflow history.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  randomInt,
  timingSafeEqual,
} from 'node:crypto';

export const CODE_LENGTH = 6;

/** A uniformly random numeric code, leading zeros kept. */
export function generateCode(length = CODE_LENGTH): string {
  let code = '';
  for (let i = 0; i < length; i++) code += String(randomInt(0, 10));
  return code;
}

/** HMAC-SHA256 of the code, bound to its challenge so one hash never fits another challenge. */
export function hashCode(key: string, challengeId: string, code: string): string {
  return createHmac('sha256', key).update(`${challengeId}\u0000${code}`).digest('hex');
}

export function hashMatches(expectedHex: string, actualHex: string): boolean {
  const a = Buffer.from(expectedHex, 'hex');
  const b = Buffer.from(actualHex, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

const SEAL_VERSION = 'v1';
const sealKey = (key: string): Buffer => createHash('sha256').update(`seal:${key}`).digest();

/** Seals a typed code for the trip through workflow history: `v1.<base64url(iv|ciphertext|tag)>`. */
export function sealCode(key: string, code: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealKey(key), iv);
  const body = Buffer.concat([cipher.update(code, 'utf8'), cipher.final()]);
  const sealed = Buffer.concat([iv, body, cipher.getAuthTag()]);
  return `${SEAL_VERSION}.${sealed.toString('base64url')}`;
}

export class SealError extends Error {
  override readonly name = 'SealError';
}

/** Opens a sealed code; a wrong key or a tampered envelope is a SealError. */
export function unsealCode(key: string, sealed: string): string {
  const [version, payload] = sealed.split('.');
  if (version !== SEAL_VERSION || !payload) throw new SealError('not a sealed code');
  const raw = Buffer.from(payload, 'base64url');
  if (raw.length < 12 + 16 + 1) throw new SealError('sealed code too short');
  const decipher = createDecipheriv('aes-256-gcm', sealKey(key), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  try {
    return Buffer.concat([
      decipher.update(raw.subarray(12, raw.length - 16)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    throw new SealError('sealed code does not open with this key (VERIFICATION_SEAL_KEY differs?)');
  }
}

/** The text a person receives; voice reads the digits one by one. */
export function verificationMessage(code: string, channel: 'sms' | 'voice', ttlMs: number): string {
  const minutes = Math.max(1, Math.round(ttlMs / 60_000));
  if (channel === 'voice') {
    return `Your verification code is ${code.split('').join(' ')}. Again: ${code.split('').join(' ')}.`;
  }
  return `Your verification code is ${code}. It expires in ${minutes} minute${minutes === 1 ? '' : 's'}. Do not share it.`;
}
