export * from './ports';
export { createDevOutboxSender, DEV_UNDELIVERABLE_NUMBER } from './dev-sender';
export { sealCode } from './codes';
export {
  createVerificationActivities,
  type VerificationActivities,
  type VerificationActivityOptions,
  type IssueVerificationCodeInput,
  type IssuedChallenge,
  type CheckVerificationCodeInput,
  type CodeCheckResult,
  type CodeCheckOutcome,
} from './activities';

import type { Database } from '../database';
import { createDevOutboxSender } from './dev-sender';
import type { VerificationSender } from './ports';

/** The sender VERIFICATION_PROVIDER names. */
export function createVerificationSender(provider: 'dev', db: Database): VerificationSender {
  switch (provider) {
    case 'dev':
      return createDevOutboxSender(db);
  }
}
