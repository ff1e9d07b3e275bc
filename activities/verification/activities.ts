import { createHash } from 'node:crypto';
import { ApplicationFailure, log } from '@temporalio/activity';
import { z } from 'zod';
import { sqlSession, type Database, type SqlQuery } from '../database';
import {
  generateCode,
  hashCode,
  hashMatches,
  SealError,
  unsealCode,
  verificationMessage,
} from './codes';
import {
  UndeliverableNumberError,
  type VerificationChannel,
  type VerificationSender,
} from './ports';

export interface VerificationActivityOptions {
  sender: VerificationSender;
  /** HMAC key of stored codes (VERIFICATION_HASH_KEY). */
  hashKey: string;
  /** Key that opens codes sealed by the client (VERIFICATION_SEAL_KEY). */
  sealKey: string;
}

export interface IssueVerificationCodeInput {
  accountId: string;
  phoneE164: string;
  channel: VerificationChannel;
  ttlMs: number;
  /** Workflow time (ISO); expiry is measured on the workflow's clock. */
  at: string;
  /** `<workflowId>:send-code:<n>`: a retry reuses the challenge row. */
  operationKey: string;
}

export interface IssuedChallenge {
  challengeId: string;
  channel: VerificationChannel;
  expiresAt: string;
}

export interface CheckVerificationCodeInput {
  challengeId: string;
  /** The typed code, sealed by the client (never the code itself). */
  sealedCode: string;
  maxAttempts: number;
  at: string;
  /** `<workflowId>:verify:<n>`: a retry returns the first answer and counts no second try. */
  operationKey: string;
}

const CodeCheckResultSchema = z.object({
  outcome: z.enum(['verified', 'wrong_code', 'expired', 'no_attempts_left']),
  attemptsLeft: z.number().int(),
  verifiedAt: z.string().nullable(),
});
/** A check's answer; stored with its operation key, so a retry gives the same one. */
export type CodeCheckResult = z.infer<typeof CodeCheckResultSchema>;
export type CodeCheckOutcome = CodeCheckResult['outcome'];
/** This key's stored answer, and the fingerprint of the check that stored it. */
const StoredCheckSchema = z.object({ requestHash: z.string(), result: CodeCheckResultSchema });
const ChallengeRowSchema = z.object({
  attempts: z.number().int(),
  codeHash: z.string(),
  expiresAt: z.date(),
  verifiedAt: z.date().nullable(),
});

async function storedCheck(
  query: SqlQuery,
  operationKey: string,
): Promise<z.infer<typeof StoredCheckSchema> | null> {
  const [row] = await query(`SELECT "requestHash", "result" FROM "Operation" WHERE "key" = $1`, [
    operationKey,
  ]);
  return row ? StoredCheckSchema.parse(row) : null;
}

const challengeIdFor = (operationKey: string): string =>
  `vc_${createHash('sha256').update(operationKey).digest('hex').slice(0, 32)}`;

export function createVerificationActivities(db: Database, options: VerificationActivityOptions) {
  const sql = sqlSession(db);
  return {
    /**
     * Generates a code, stores only its HMAC, and sends it. A retry of the same
     * operation writes a fresh code over the unused challenge and sends again:
     * only the latest message's code works (the code itself is never kept).
     */
    async issueVerificationCode(input: IssueVerificationCodeInput): Promise<IssuedChallenge> {
      const challengeId = challengeIdFor(input.operationKey);
      const expiresAt = new Date(Date.parse(input.at) + input.ttlMs);
      const code = generateCode();
      const codeHash = hashCode(options.hashKey, challengeId, code);
      // One statement: a new challenge, or a fresh code over this operation's unused
      // one. A challenge already tried or verified stays as it is (no row comes back):
      // a retry after that must not send a code that would replace the one in use.
      const written = await sql.query(
        `INSERT INTO "VerificationChallenge" ("id", "accountId", "phoneE164", "channel", "codeHash", "expiresAt")
         VALUES ($1, $2, $3, $4, $5, $6::timestamptz AT TIME ZONE 'UTC')
         ON CONFLICT ("id") DO UPDATE SET "codeHash" = EXCLUDED."codeHash", "expiresAt" = EXCLUDED."expiresAt",
           "channel" = EXCLUDED."channel", "phoneE164" = EXCLUDED."phoneE164"
         WHERE "VerificationChallenge"."attempts" = 0 AND "VerificationChallenge"."verifiedAt" IS NULL
         RETURNING "id"`,
        [
          challengeId,
          input.accountId,
          input.phoneE164,
          input.channel,
          codeHash,
          expiresAt.toISOString(),
        ],
      );
      if (written.length === 0) {
        const existing = await db.verificationChallenge.findUniqueOrThrow({
          where: { id: challengeId },
        });
        return {
          challengeId,
          channel: existing.channel as VerificationChannel,
          expiresAt: existing.expiresAt.toISOString(),
        };
      }
      try {
        const sent = await options.sender.send(
          input.phoneE164,
          input.channel,
          verificationMessage(code, input.channel, input.ttlMs),
        );
        log.info('verification code sent', {
          challengeId,
          channel: input.channel,
          providerMessageId: sent.providerMessageId,
        });
      } catch (err) {
        if (err instanceof UndeliverableNumberError) {
          throw ApplicationFailure.nonRetryable(
            `phone: the provider cannot deliver a code to this number`,
            'phone_undeliverable',
            { field: 'phone' },
          );
        }
        throw err;
      }
      return { challengeId, channel: input.channel, expiresAt: expiresAt.toISOString() };
    },

    /**
     * Opens the sealed code and compares its HMAC with the stored one (timing-safe).
     * A try counts only while the code is live; an expired code costs no try.
     */
    async checkVerificationCode(input: CheckVerificationCodeInput): Promise<CodeCheckResult> {
      let code: string;
      try {
        code = unsealCode(options.sealKey, input.sealedCode);
      } catch (err) {
        if (err instanceof SealError) {
          throw ApplicationFailure.nonRetryable(`code: ${err.message}`, 'sealed_code_invalid', {
            field: 'code',
          });
        }
        throw err;
      }
      const requestHash = createHash('sha256')
        .update(`${input.challengeId}|${input.maxAttempts}|${input.at}`)
        .digest('hex');
      // One transaction of two statements on the locked challenge: its row (with this
      // key's stored answer, if any), then the counted try and the answer together.
      return sql.transaction(async (query) => {
        const [row] = await query(
          `SELECT c."attempts", c."codeHash",
             (c."expiresAt" AT TIME ZONE 'UTC') AS "expiresAt",
             (c."verifiedAt" AT TIME ZONE 'UTC') AS "verifiedAt",
             (SELECT json_build_object('requestHash', o."requestHash", 'result', o."result")
                FROM "Operation" o WHERE o."key" = $2) AS "done"
           FROM "VerificationChallenge" c WHERE c."id" = $1
           FOR UPDATE OF c`,
          [input.challengeId, input.operationKey],
        );
        const done = row
          ? StoredCheckSchema.nullable().parse(row.done)
          : await storedCheck(query, input.operationKey);
        if (done) {
          if (done.requestHash !== requestHash) {
            throw ApplicationFailure.nonRetryable(
              `operation key ${input.operationKey} was used for another check`,
              'operation_key_reused',
            );
          }
          return done.result;
        }
        if (!row) {
          throw ApplicationFailure.nonRetryable(
            `no verification challenge ${input.challengeId}`,
            'challenge_not_found',
          );
        }
        const challenge = ChallengeRowSchema.parse(row);
        const at = new Date(input.at);
        const matches = hashMatches(
          challenge.codeHash,
          hashCode(options.hashKey, input.challengeId, code),
        );
        let result: CodeCheckResult;
        let counted = false;
        const left = Math.max(0, input.maxAttempts - challenge.attempts);
        if (challenge.verifiedAt) {
          result = matches
            ? {
                outcome: 'verified',
                attemptsLeft: left,
                verifiedAt: challenge.verifiedAt.toISOString(),
              }
            : { outcome: 'wrong_code', attemptsLeft: left, verifiedAt: null };
        } else if (left === 0) {
          result = { outcome: 'no_attempts_left', attemptsLeft: 0, verifiedAt: null };
        } else if (at.getTime() >= challenge.expiresAt.getTime()) {
          result = { outcome: 'expired', attemptsLeft: left, verifiedAt: null };
        } else {
          counted = true;
          result = matches
            ? { outcome: 'verified', attemptsLeft: left - 1, verifiedAt: at.toISOString() }
            : { outcome: 'wrong_code', attemptsLeft: left - 1, verifiedAt: null };
        }
        await query(
          `WITH counted AS (
             UPDATE "VerificationChallenge"
             SET "attempts" = "attempts" + 1,
                 "verifiedAt" = COALESCE($3::timestamptz AT TIME ZONE 'UTC', "verifiedAt")
             WHERE "id" = $1 AND $2::boolean
           )
           INSERT INTO "Operation" ("key", "kind", "requestHash", "result")
           VALUES ($4, 'verification.check', $5, $6::jsonb)`,
          [
            input.challengeId,
            counted,
            counted && matches ? at.toISOString() : null,
            input.operationKey,
            requestHash,
            JSON.stringify(result),
          ],
        );
        return result;
      });
    },
  };
}

export type VerificationActivities = ReturnType<typeof createVerificationActivities>;
