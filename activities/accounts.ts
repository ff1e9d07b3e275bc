import { ApplicationFailure } from '@temporalio/common';
import type { Database } from './database';

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

export function createAccountActivities(db: Database) {
  return {
    /** Idempotent: a retry or replay finds the row the first attempt wrote. */
    async recordTrialAccount(input: RecordTrialAccountInput): Promise<AccountView> {
      const account = await db.account.upsert({
        where: { id: input.accountId },
        create: {
          id: input.accountId,
          displayName: input.displayName,
          email: input.email,
          currency: input.currency,
          status: 'trial',
        },
        update: {},
      });
      if (account.status !== 'trial') {
        throw ApplicationFailure.nonRetryable(
          `account ${input.accountId} is already upgraded`,
          'account_already_upgraded',
        );
      }
      return {
        accountId: account.id,
        status: account.status,
        fundsBalance: account.fundsBalance.toString(),
        automaticRechargeEnabled: account.automaticRechargeEnabled,
      };
    },
  };
}

export type AccountActivities = ReturnType<typeof createAccountActivities>;
