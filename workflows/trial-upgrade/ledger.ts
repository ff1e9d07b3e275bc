/**
 * The two ledger activities the upgrade calls (contract: activities/ledger/types.ts,
 * implemented by the ledger in activities/ledger). Types only: nothing of the
 * ledger's implementation enters the workflow bundle.
 */
import type {
  CheckCodeInput,
  CodeCheck,
  RedeemCodeInput,
  RedeemCodeResult,
} from '../../activities/ledger/types';

export interface LedgerCodeActivities {
  checkCode(input: CheckCodeInput): Promise<CodeCheck>;
  redeemCode(input: RedeemCodeInput): Promise<RedeemCodeResult>;
}
