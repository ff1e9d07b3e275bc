/**
 * API keys of the calling services. A key reads `bk_<id>.<secret>`: the id finds
 * the row, the secret is compared by its SHA-256 (the secret is 32 random bytes,
 * so a plain hash is enough; nothing reversible is stored). Scopes say what a
 * service may do: `signup` drives upgrades and codes, `ops` inspects and repairs,
 * `billing` retries and adjusts.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from '../activities/database';

export const API_SCOPES = ['signup', 'ops', 'billing'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** Who is calling: the key's id and service, and what it may do. */
export interface ApiPrincipal {
  keyId: string;
  service: string;
  scopes: ApiScope[];
}

const KEY = /^bk_([A-Za-z0-9-]{1,64})\.([A-Za-z0-9_-]{43})$/;
const KEY_ID = /^[A-Za-z0-9-]{1,64}$/;

const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

export interface CreatedApiKey {
  id: string;
  service: string;
  scopes: ApiScope[];
  /** The whole key: shown once, never stored. */
  key: string;
}

/**
 * Creates (or, for an existing id, replaces the secret of) a key. The key is
 * returned once; only its hash is kept.
 */
export async function issueApiKey(
  db: Database,
  input: { id: string; service: string; scopes: readonly ApiScope[] },
): Promise<CreatedApiKey> {
  if (!KEY_ID.test(input.id)) throw new Error('API key id: 1-64 of A-Z a-z 0-9 -');
  if (input.scopes.length === 0) throw new Error('API key scopes: at least one');
  const secret = randomBytes(32).toString('base64url');
  const scopes = [...new Set(input.scopes)];
  const data = { service: input.service, secretHash: hashSecret(secret), scopes, revokedAt: null };
  await db.apiKey.upsert({
    where: { id: input.id },
    create: { id: input.id, ...data },
    update: data,
  });
  return { id: input.id, service: input.service, scopes, key: `bk_${input.id}.${secret}` };
}

export async function revokeApiKey(db: Database, id: string): Promise<void> {
  await db.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
}

/** The principal of a presented key, or null for a malformed, unknown, revoked or wrong key. */
export async function authenticateApiKey(
  db: Database,
  presented: string,
): Promise<ApiPrincipal | null> {
  const match = KEY.exec(presented);
  if (!match) return null;
  const [, id, secret] = match as unknown as [string, string, string];
  const row = await db.apiKey.findUnique({ where: { id } });
  if (!row || row.revokedAt) return null;
  const expected = Buffer.from(row.secretHash, 'hex');
  const actual = Buffer.from(hashSecret(secret), 'hex');
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
  return {
    keyId: row.id,
    service: row.service,
    scopes: row.scopes.filter((s): s is ApiScope => (API_SCOPES as readonly string[]).includes(s)),
  };
}

/** The development keys `npm start` issues (fresh secrets at every start) and prints. */
export const DEV_API_KEYS: ReadonlyArray<{ id: string; service: string; scopes: ApiScope[] }> = [
  { id: 'dev-signup', service: 'signup (development)', scopes: ['signup'] },
  { id: 'dev-ops', service: 'ops (development)', scopes: ['ops'] },
  { id: 'dev-billing', service: 'billing staff (development)', scopes: ['billing', 'ops'] },
];
