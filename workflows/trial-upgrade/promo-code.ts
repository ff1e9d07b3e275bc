import {
  proxyActivities,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { AccountActivities } from '../../activities/accounts';
import { AccountIdKey } from '../search-attributes';
import type { LedgerCodeActivities } from './ledger';
import type { PromoCodeRedemptionInput, PromoCodeRedemptionResult } from './messages';
import { refusal, refusalOf } from './refusals';

const retry = { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 };
const { getAccount } = proxyActivities<AccountActivities>({
  startToCloseTimeout: '10 seconds',
  retry,
});
const { redeemCode } = proxyActivities<LedgerCodeActivities>({
  startToCloseTimeout: '10 seconds',
  retry,
});

/**
 * Billing > Add Funds > Promo Code on an upgraded account (seed 000): redeems the
 * code for its credit. Id `promo-code/<accountId>/<digest of the code>`, so the same request
 * twice redeems once. A trial account is refused (`account_is_trial`): it enters
 * its promo code in the upgrade instead. Refusals fail the workflow with their
 * reason as the failure type.
 */
export async function promoCodeRedemption(
  input: PromoCodeRedemptionInput,
): Promise<PromoCodeRedemptionResult> {
  upsertSearchAttributes([{ key: AccountIdKey, value: input.accountId }]);
  setCurrentDetails(`Checking that account ${input.accountId} exists and is upgraded.`);
  const account = await getAccount(input.accountId);
  if (!account) throw refusal('account_not_found', `account ${input.accountId} does not exist`);
  if (account.status === 'trial') {
    throw refusal(
      'account_is_trial',
      `account ${input.accountId} is a trial account: enter the promo code while upgrading ("Upgrade Account") instead`,
    );
  }
  setCurrentDetails(`Redeeming the promo code for account ${input.accountId} (Add Funds).`);
  try {
    const redeemed = await redeemCode({
      accountId: input.accountId,
      code: input.code,
      at: new Date(Date.now()).toISOString(),
      purpose: 'add_funds',
      operationKey: `${workflowInfo().workflowId}:redeem`,
    });
    setCurrentDetails(
      redeemed.grant === 'funds'
        ? `Done: ${redeemed.fundsAdded ?? ''} added to account ${input.accountId}.`
        : `Done: coupon ${redeemed.couponId ?? ''} granted to account ${input.accountId}.`,
    );
    return {
      accountId: input.accountId,
      code: redeemed.code,
      grant: redeemed.grant,
      fundsAdded: redeemed.fundsAdded,
      couponId: redeemed.couponId,
      fundsBalance: redeemed.fundsBalance,
    };
  } catch (err) {
    const refused = refusalOf(err);
    if (refused) {
      throw refusal(refused.type ?? 'promo_code_refused', `code: ${refused.message}`, {
        field: 'code',
      });
    }
    throw err;
  }
}
