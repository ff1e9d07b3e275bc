import { sqlSession, type Database } from '../database';
import { UndeliverableNumberError, type VerificationSender } from './ports';

/**
 * Development sender: what a real SMS or voice provider would deliver is written
 * to the DevOutboxMessage table, where `npm run dev:outbox -- <phone>` (or a test)
 * reads it like a person reading their phone. It refuses what a provider refuses:
 * numbers not in E.164 form, and the reserved test number +15005550001.
 */
export const DEV_UNDELIVERABLE_NUMBER = '+15005550001';

export function createDevOutboxSender(db: Database): VerificationSender {
  const sql = sqlSession(db);
  return {
    async send(phoneE164, channel, message) {
      if (!/^\+[1-9]\d{1,14}$/.test(phoneE164) || phoneE164 === DEV_UNDELIVERABLE_NUMBER) {
        throw new UndeliverableNumberError(`cannot deliver to ${phoneE164}`);
      }
      const [row] = await sql.query(
        `INSERT INTO "DevOutboxMessage" ("phoneE164", "channel", "body") VALUES ($1, $2, $3) RETURNING "id"`,
        [phoneE164, channel, message],
      );
      if (!row) throw new Error('the dev outbox insert returned no row');
      return { providerMessageId: `dev-${String(row.id)}` };
    },
  };
}
