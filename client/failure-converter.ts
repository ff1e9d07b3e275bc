/**
 * Failure messages and stack traces are sealed like any other payload: a refusal
 * may quote what the customer typed (a promo code, an address line). Loaded by
 * path in the workflow sandbox too (`failureConverterPath`), so it imports only
 * @temporalio/common.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
