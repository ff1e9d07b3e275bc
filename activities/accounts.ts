import { ApplicationFailure } from '@temporalio/common';
import type { AddressInput } from '../domain/upgrade-contracts';
import type { UpgradePolicy } from '../workflows/trial-upgrade/policy';
import { upgradeSettingsFromEnv, type UpgradeSettings } from '../worker/config';
import { z } from 'zod';
import { sqlSession, type Database } from './database';
import { Prisma } from '../generated/prisma/client';
import { createPaymentActivities, createPaymentGateway, type PaymentGateway } from './payment';
import {
  createVerificationActivities,
  createVerificationSender,
  type VerificationSender,
} from './verification';

export interface RecordTrialAccountInput {
  accountId: string;
  displayName: string;
  email: string;
  currency: string;
}

export interface AccountView {
  accountId: string;
  status: 'trial' | 'upgraded';
  fundsBalance: string;
  automaticRechargeEnabled: boolean;
}

export interface CompleteTrialUpgradeInput {
  accountId: string;
  phoneE164: string;
  phoneVerifiedAt: string;
  companyAddress: AddressInput;
  billingAddress: AddressInput;
  billingSameAsCompany: boolean;
  paymentMethodId: string;
  /** Workflow time of the confirmation (ISO). */
  at: string;
}

export interface CompletedUpgrade extends AccountView {
  status: 'upgraded';
  upgradedAt: string;
  /** Read back after the upgrade committed. */
  automaticRechargeEnabled: false;
}

export interface AccountActivityOptions {
  /** The upgrade policy of this worker's configuration. */
  upgradePolicy: UpgradePolicy;
}

/** The columns of an Account row that the view needs, as a raw statement returns them. */
const AccountRowSchema = z.object({
  id: z.string(),
  status: z.enum(['trial', 'upgraded']),
  // numeric as text ("0.0000"), read the way Prisma reads it (Decimal: "0").
  fundsBalance: z.string().transform((text) => new Prisma.Decimal(text)),
  automaticRechargeEnabled: z.boolean(),
});

/** The same columns in SQL, for the statements that return an account's view. */
const ACCOUNT_ROW_COLUMNS = `"id", "status", "fundsBalance"::text, "automaticRechargeEnabled"`;

const UpgradedRowSchema = AccountRowSchema.extend({ upgradedAt: z.date().nullable() });

const view = (account: {
  id: string;
  status: 'trial' | 'upgraded';
  fundsBalance: { toString(): string };
  automaticRechargeEnabled: boolean;
}): AccountView => ({
  accountId: account.id,
  status: account.status,
  fundsBalance: account.fundsBalance.toString(),
  automaticRechargeEnabled: account.automaticRechargeEnabled,
});

export function createAccountActivities(db: Database, options?: AccountActivityOptions) {
  const sql = sqlSession(db);
  return {
    /** Idempotent: a retry or replay finds the row the first attempt wrote. */
    async recordTrialAccount(input: RecordTrialAccountInput): Promise<AccountView> {
      // One statement: the new row, or the one an earlier attempt (or start) wrote.
      const [row] = await sql.query(
        `WITH created AS (
           INSERT INTO "Account" ("id", "displayName", "email", "currency", "status", "updatedAt")
           VALUES ($1, $2, $3, $4, 'trial', now() AT TIME ZONE 'UTC')
           ON CONFLICT ("id") DO NOTHING
           RETURNING ${ACCOUNT_ROW_COLUMNS}
         )
         SELECT * FROM created
         UNION ALL
         SELECT ${ACCOUNT_ROW_COLUMNS} FROM "Account"
         WHERE "id" = $1 AND NOT EXISTS (SELECT 1 FROM created)`,
        [input.accountId, input.displayName, input.email, input.currency],
      );
      // No row: another start inserted it after this statement's snapshot; read it now.
      const account = row
        ? AccountRowSchema.parse(row)
        : await db.account.findUniqueOrThrow({ where: { id: input.accountId } });
      if (account.status !== 'trial') {
        throw ApplicationFailure.nonRetryable(
          `account ${input.accountId} is already upgraded`,
          'account_already_upgraded',
        );
      }
      return view(account);
    },

    /** The worker's upgrade policy (VERIFICATION_*, RESEND_*, UPGRADE_IDLE_TIMEOUT). */
    async getTrialUpgradePolicy(): Promise<UpgradePolicy | null> {
      return options?.upgradePolicy ?? null;
    },

    async getAccount(accountId: string): Promise<AccountView | null> {
      const account = await db.account.findUnique({ where: { id: accountId } });
      return account ? view(account) : null;
    },

    /**
     * "Upgrade Account": marks the trial account upgraded with its verified phone
     * and addresses, turns automatic recharge off, then reads the row back and
     * refuses to report success unless automatic recharge is off. Charges nothing.
     * Idempotent: a retry finds the account already upgraded and reads it back.
     */
    async completeTrialUpgrade(input: CompleteTrialUpgradeInput): Promise<CompletedUpgrade> {
      const upgrade = {
        status: 'upgraded' as const,
        upgradedAt: new Date(input.at),
        automaticRechargeEnabled: false,
        phoneE164: input.phoneE164,
        phoneVerifiedAt: new Date(input.phoneVerifiedAt),
        companyAddress: { ...input.companyAddress },
        billingAddress: { ...input.billingAddress, sameAsCompany: input.billingSameAsCompany },
      };
      // The first attempt: one statement upgrades a trial account that holds the
      // payment method, and returns the row as committed (the read-back).
      const [upgraded] = await sql.query(
        `UPDATE "Account" SET
           "status" = 'upgraded',
           "upgradedAt" = $2::timestamptz AT TIME ZONE 'UTC',
           "automaticRechargeEnabled" = false,
           "phoneE164" = $3,
           "phoneVerifiedAt" = $4::timestamptz AT TIME ZONE 'UTC',
           "companyAddress" = $5::jsonb,
           "billingAddress" = $6::jsonb,
           "updatedAt" = now() AT TIME ZONE 'UTC'
         WHERE "id" = $1 AND "status" = 'trial'
           AND EXISTS (SELECT 1 FROM "PaymentMethod" WHERE "id" = $7 AND "accountId" = $1)
         RETURNING ${ACCOUNT_ROW_COLUMNS}, ("upgradedAt" AT TIME ZONE 'UTC') AS "upgradedAt"`,
        [
          input.accountId,
          input.at,
          upgrade.phoneE164,
          input.phoneVerifiedAt,
          JSON.stringify(upgrade.companyAddress),
          JSON.stringify(upgrade.billingAddress),
          input.paymentMethodId,
        ],
      );
      if (upgraded) return completedUpgrade(input.accountId, UpgradedRowSchema.parse(upgraded));
      // Otherwise a retry (already upgraded) or a refusal, judged on the locked row.
      await db.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT "id" FROM "Account" WHERE "id" = ${input.accountId} FOR UPDATE`;
        const account = await tx.account.findUnique({ where: { id: input.accountId } });
        if (!account) {
          throw ApplicationFailure.nonRetryable(
            `account ${input.accountId} does not exist`,
            'account_not_found',
          );
        }
        const method = await tx.paymentMethod.findFirst({
          where: { id: input.paymentMethodId, accountId: input.accountId },
        });
        if (!method) {
          throw ApplicationFailure.nonRetryable(
            `payment method ${input.paymentMethodId} is not recorded for ${input.accountId}`,
            'payment_method_not_found',
          );
        }
        if (account.status === 'upgraded') {
          // A retry of this activity: make sure recharge stays off, change nothing else.
          await tx.account.update({
            where: { id: input.accountId },
            data: { automaticRechargeEnabled: false },
          });
          return;
        }
        await tx.account.update({ where: { id: input.accountId }, data: upgrade });
      });
      // Read back after commit (seed 000 step 8: make sure automatic recharge is off).
      const after = await db.account.findUniqueOrThrow({ where: { id: input.accountId } });
      return completedUpgrade(input.accountId, after);
    },
  };
}

/** The upgrade as committed; refuses to report success unless automatic recharge is off. */
function completedUpgrade(
  accountId: string,
  after: Parameters<typeof view>[0] & { upgradedAt: Date | null },
): CompletedUpgrade {
  if (after.status !== 'upgraded' || after.automaticRechargeEnabled || !after.upgradedAt) {
    throw ApplicationFailure.nonRetryable(
      `account ${accountId}: automatic recharge is ${after.automaticRechargeEnabled ? 'on' : 'off'} after the upgrade`,
      'automatic_recharge_not_disabled',
    );
  }
  return {
    ...view(after),
    status: 'upgraded',
    upgradedAt: after.upgradedAt.toISOString(),
    automaticRechargeEnabled: false,
  };
}

export type AccountActivities = ReturnType<typeof createAccountActivities>;

// ---- everything the trial upgrade registers -----------------------------------------

export interface UpgradeActivityOptions {
  /** Overrides of the environment's settings (worker/config.ts `upgradeSettings`). */
  settings?: Partial<UpgradeSettings>;
  /** A verification sender other than the one VERIFICATION_PROVIDER names. */
  sender?: VerificationSender;
  /** A payment gateway other than the one PAYMENT_PROVIDER names. */
  gateway?: PaymentGateway;
}

/**
 * Account, verification and payment activities of the trial upgrade. Without
 * options they follow this process's environment (all variables have development
 * defaults, so `npm start` needs none).
 */
export function createUpgradeActivities(db: Database, options: UpgradeActivityOptions = {}) {
  const settings: UpgradeSettings = { ...upgradeSettingsFromEnv(), ...options.settings };
  const upgradePolicy: UpgradePolicy = {
    codeTtlMs: settings.codeTtlMs,
    maxAttemptsPerCode: settings.maxAttemptsPerCode,
    lockoutMs: settings.lockoutMs,
    resendCooldownMs: settings.resendCooldownMs,
    maxResends: settings.maxResends,
    idleTimeoutMs: settings.idleTimeoutMs,
  };
  return {
    ...createAccountActivities(db, { upgradePolicy }),
    ...createVerificationActivities(db, {
      sender: options.sender ?? createVerificationSender(settings.verificationProvider, db),
      hashKey: settings.verificationHashKey,
      sealKey: settings.verificationSealKey,
    }),
    ...createPaymentActivities(db, {
      gateway: options.gateway ?? createPaymentGateway(settings.paymentProvider),
    }),
  };
}

export type UpgradeActivities = ReturnType<typeof createUpgradeActivities>;
