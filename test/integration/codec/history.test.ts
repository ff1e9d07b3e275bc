/**
 * Issue 8, encrypted payloads: a whole trial upgrade (phone, code, both
 * addresses, card, promo code, confirm) run by a worker and client with the
 * engine's data converter. The history as Temporal stores it, fetched by a
 * client WITHOUT the codec, holds none of the customer's personal data; a client
 * with the keyring reads it all; after rotating keys the old history still reads.
 */
import { Client, Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { generateKeyEntry, parseKeyring, type Keyring } from '../../../client/codec';
import { engineDataConverter } from '../../../client/data-converter';
import {
  confirmUpgrade,
  createTrialAccount,
  submitBillingAddress,
  submitCompanyAddress,
  submitPaymentMethod,
  submitPhone,
  submitPromoCode,
  verifyCode,
} from '../../../client/trial-upgrade';
import { trialUpgradeWorkflowId } from '../../../workflows/ids';
import type { TrialUpgradeResult } from '../../../workflows/trial-upgrade/messages';
import { createTestEngine, type TestEngine } from '../../support/integration';
import { createFundsCode } from '../../support/ledger-fixtures';
import {
  TEST_ADDRESS,
  TEST_CARD,
  historyAsText,
  newTestPhone,
  readDeliveredCode,
} from '../../support/trial-upgrade-steps';

jest.setTimeout(60_000);

const firstKey = generateKeyEntry('first');
let engine: TestEngine;
let worker: Worker;
let running: Promise<void>;
let connection: Connection;
beforeAll(async () => {
  engine = await createTestEngine({ keyring: parseKeyring(firstKey) });
  worker = await engine.createWorker();
  running = worker.run();
  connection = await Connection.connect({ address: process.env.BILLING_TEST_TEMPORAL_ADDRESS });
  await createFundsCode(engine.db, { code: 'CODECPROMO25', amount: '25.00' });
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await connection?.close();
  await engine?.close();
});

const clientWith = (keyring?: Keyring): Client =>
  new Client({
    connection,
    namespace: 'default',
    ...(keyring ? { dataConverter: engineDataConverter(keyring) } : {}),
  });

const accountId = 'acct-codec-history';
const phone = newTestPhone('+1415557');
const email = 'grace.hopper@example.com';
const billing = {
  country: 'GB',
  line1: '221B Baker Street',
  city: 'London',
  postalCode: 'NW1 6XE',
};

test('the stored history of a trial upgrade holds no personal data in clear', async () => {
  await createTrialAccount(engine, { accountId, displayName: 'Grace Hopper Ltd', email });
  await submitPhone(engine, { accountId, phone });
  const code = await readDeliveredCode(engine.db, phone);
  expect((await verifyCode(engine, { accountId, code })).verified).toBe(true);
  await submitCompanyAddress(engine, { accountId, address: TEST_ADDRESS });
  await submitBillingAddress(engine, { accountId, address: billing });
  await submitPaymentMethod(engine, { accountId, method: TEST_CARD });
  await submitPromoCode(engine, { accountId, code: 'CODECPROMO25' });
  const summary = await confirmUpgrade(engine, { accountId });
  expect(summary.status).toBe('upgraded');
  const { token } = await engine.db.paymentMethod.findFirstOrThrow({ where: { accountId } });

  const handle = clientWith().workflow.getHandle(trialUpgradeWorkflowId(accountId));
  const raw = historyAsText(await handle.fetchHistory());
  // Sanity: the raw history is the real one, and payloads are marked encrypted.
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  expect(raw.includes(b64('binary/encrypted'))).toBe(true);
  expect(raw.includes(b64('first'))).toBe(true);
  expect(raw.includes(b64('json/plain'))).toBe(true); // search attributes stay readable
  const personal = [
    phone,
    phone.slice(2), // digits without +1
    email,
    'Grace Hopper',
    TEST_ADDRESS.line1,
    TEST_ADDRESS.postalCode,
    billing.line1,
    billing.postalCode,
    token,
    token.slice(4, 20),
    TEST_CARD.number,
    code,
    'CODECPROMO25',
  ];
  // Reports only which secret leaked, never the whole history.
  expect(personal.filter((secret) => raw.includes(secret))).toEqual([]);

  // The engine's own client (same keyring) reads the result in clear.
  const result = await clientWith(engine.keyring)
    .workflow.getHandle<() => Promise<TrialUpgradeResult>>(trialUpgradeWorkflowId(accountId))
    .result();
  expect(result).toMatchObject({ accountId, outcome: 'upgraded' });
  expect(result.summary?.promoCode?.code).toBe('CODECPROMO25');
});

test('after key rotation the old history still reads; without the old key it does not', async () => {
  const rotated = parseKeyring(`${generateKeyEntry('second')},${firstKey}`);
  const handle = clientWith(rotated).workflow.getHandle<() => Promise<TrialUpgradeResult>>(
    trialUpgradeWorkflowId(accountId),
  );
  expect((await handle.result()).outcome).toBe('upgraded');
  const input = (await handle.fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes
    ?.input?.payloads?.[0];
  const [opened] =
    (await engineDataConverter(rotated).payloadCodecs?.[0]?.decode([input ?? {}])) ?? [];
  expect(Buffer.from(opened?.data ?? []).toString()).toContain(email);

  const newKeyOnly = clientWith(parseKeyring(generateKeyEntry('second')));
  await expect(
    newKeyOnly.workflow.getHandle(trialUpgradeWorkflowId(accountId)).result(),
  ).rejects.toThrow(/key "first", which is not in the keyring/);
});
