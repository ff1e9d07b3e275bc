/** Workflow ids are derived from business ids, so a second start finds the first. */
export const trialUpgradeWorkflowId = (accountId: string): string => `trial-upgrade/${accountId}`;
export const orderWorkflowId = (orderId: string): string => `order/${orderId}`;
export const billWorkflowId = (billId: string): string => `bill/${billId}`;
