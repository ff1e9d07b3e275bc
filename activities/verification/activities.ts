import { createHash } from 'node:crypto';
import { ApplicationFailure, log } from '@temporalio/activity';
import type { Database } from '../database';
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

export type CodeCheckOutcome = 'verified' | 'wrong_code' | 'expired' | 'no_attempts_left';

export interface CodeCheckResult {
  outcome: CodeCheckOutcome;
  attemptsLeft: number;
  verifiedAt: string | null;
}

const challengeIdFor = (operationKey: string): string =>
  `vc_${createHash('sha256').update(operationKey).digest('hex').slice(0, 32)}`;

export function createVerificationActivities(db: Database, options: VerificationActivityOptions) {
  return {
    /**
     * Generates a code, stores only its HMAC, and sends it. A retry of the same
     * operation writes a fresh code over the unused challenge and sends again:
     * only the latest message's code works (the code itself is never kept).
     */
    async issueVerificationCode(input: IssueVerificationCodeInput): Promise<IssuedChallenge> {
      const challengeId = challengeIdFor(input.operationKey);
      const expiresAt = new Date(Date.parse(input.at) + input.ttlMs);
      const existing = await db.verificationChallenge.findUnique({ where: { id: challengeId } });
      if (existing && (existing.attempts > 0 || existing.verifiedAt)) {
        return {
          challengeId,
          channel: existing.channel as VerificationChannel,
          expiresAt: existing.expiresAt.toISOString(),
        };
      }
      const code = generateCode();
      const codeHash = hashCode(options.hashKey, challengeId, code);
      await db.verificationChallenge.upsert({
        where: { id: challengeId },
        create: {
          id: challengeId,
          accountId: input.accountId,
          phoneE164: input.phoneE164,
          channel: input.channel,
          codeHash,
          expiresAt,
        },
        update: { codeHash, expiresAt, channel: input.channel, phoneE164: input.phoneE164 },
      });
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
      return db.$transaction(async (tx) => {
        const done = await tx.operation.findUnique({ where: { key: input.operationKey } });
        if (done) {
          if (done.requestHash !== requestHash) {
            throw ApplicationFailure.nonRetryable(
              `operation key ${input.operationKey} was used for another check`,
              'operation_key_reused',
            );
          }
          return done.result as unknown as CodeCheckResult;
        }
        const rows = await tx.$queryRaw<
          { attempts: number; codeHash: string; expiresAt: Date; verifiedAt: Date | null }[]
        >`SELECT "attempts", "codeHash", "expiresAt", "verifiedAt" FROM "VerificationChallenge" WHERE "id" = ${input.challengeId} FOR UPDATE`;
        const challenge = rows[0];
        if (!challenge) {
          throw ApplicationFailure.nonRetryable(
            `no verification challenge ${input.challengeId}`,
            'challenge_not_found',
          );
        }
        const at = new Date(input.at);
        const matches = hashMatches(
          challenge.codeHash,
          hashCode(options.hashKey, input.challengeId, code),
        );
        let result: CodeCheckResult;
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
          await tx.verificationChallenge.update({
            where: { id: input.challengeId },
            data: { attempts: { increment: 1 }, ...(matches ? { verifiedAt: at } : {}) },
          });
          result = matches
            ? { outcome: 'verified', attemptsLeft: left - 1, verifiedAt: at.toISOString() }
            : { outcome: 'wrong_code', attemptsLeft: left - 1, verifiedAt: null };
        }
        await tx.operation.create({
          data: {
            key: input.operationKey,
            kind: 'verification.check',
            requestHash,
            result: { ...result },
          },
        });
        return result;
      });
    },
  };
}

export type VerificationActivities = ReturnType<typeof createVerificationActivities>;
