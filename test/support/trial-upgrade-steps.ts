/** Shared steps for tests that drive a trial upgrade end to end. */
import type { Payload } from '@temporalio/common';
import type { Database } from '../../activities/database';
import { EncryptionCodec, type Keyring } from '../../client/codec';

export const TEST_ADDRESS = {
  country: 'US',
  line1: '1 Market St',
  city: 'San Francisco',
  region: 'CA',
  postalCode: '94105',
} as const;

export const TEST_CARD = {
  type: 'card',
  number: '4242424242424242',
  expMonth: 6,
  expYear: new Date().getUTCFullYear() + 2,
  cvc: '123',
  holderName: 'Ada Lovelace',
} as const;

let phones = 0;
/** A fresh E.164 number per call (one file's accounts never share a number). */
export function newTestPhone(prefix = '+1415556'): string {
  return `${prefix}${String(1000 + ((process.pid + phones++) % 9000)).padStart(4, '0')}`;
}

/** The code the dev sender delivered last to `phone`. */
export async function readDeliveredCode(db: Database, phone: string): Promise<string> {
  const message = await db.devOutboxMessage.findFirstOrThrow({
    where: { phoneE164: phone },
    orderBy: { id: 'desc' },
  });
  // SMS: "code is 123456."; voice: "code is 1 2 3 4 5 6."
  const digits = /code is ([\d ]+)\./.exec(message.body)?.[1]?.replace(/ /g, '');
  if (!digits) throw new Error(`no code in the message to ${phone}`);
  return digits;
}

/** The fetched history as text with every payload's bytes decoded as UTF-8. */
export function historyAsText(history: unknown): string {
  return JSON.stringify(history, (key, value: unknown) => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    if (key === 'data' && typeof value === 'string') {
      return `${value} ${Buffer.from(value, 'base64').toString('utf8')}`;
    }
    return value;
  });
}

/**
 * The history as text with every payload opened with the keyring first: what an
 * operator with the key (or the codec server) sees. Secrets that must never enter
 * history at all (a typed code, a card number) are checked on this text.
 */
export async function decryptedHistoryText(history: unknown, keyring: Keyring): Promise<string> {
  const codec = new EncryptionCodec(keyring);
  const open = async (node: unknown): Promise<unknown> => {
    if (Array.isArray(node)) return Promise.all(node.map(open));
    if (!node || typeof node !== 'object' || node instanceof Uint8Array) return node;
    const record = node as Record<string, unknown>;
    if ('metadata' in record && 'data' in record && record.metadata) {
      const [decoded] = await codec.decode([record as Payload]);
      return decoded;
    }
    const entries = await Promise.all(
      Object.entries(record).map(async ([k, v]) => [k, await open(v)] as const),
    );
    return Object.fromEntries(entries);
  };
  return historyAsText(await open(history));
}
