/**
 * Issue 9, determinism: every history recorded from a real run (test/replay/
 * histories, refreshed with `npm run test:record-histories`) replays against
 * the current workflow bundle without a determinism error. See
 * docs/reliability.md for how to change a workflow safely (patching).
 */
import path from 'node:path';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { TEST_ENV } from '../setup/services';
import { loadRecordedHistories, type RecordedHistory } from '../support/replay';
import { engineDataConverter } from '../../client/data-converter';
import { testKeyring } from '../support/integration';

jest.setTimeout(120_000);

const bundlePath = (): string => {
  const value = process.env[TEST_ENV.workflowBundle];
  if (!value) throw new Error('run through jest global setup');
  return value;
};

let histories: RecordedHistory[];
beforeAll(async () => {
  histories = await loadRecordedHistories();
});

test('there are recorded histories of every workflow type the worker runs', () => {
  const types = new Set(
    histories.map(
      (h) => h.history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name,
    ),
  );
  // Extend as workflows are added; a workflow without a recorded history has no replay check.
  expect([...types].sort()).toEqual(
    expect.arrayContaining(['order', 'payAsYouGoBill', 'promoCodeRedemption', 'trialUpgrade']),
  );
});

test('every recorded history replays against the current workflow code', async () => {
  const failures: string[] = [];
  const results = Worker.runReplayHistories(
    // Histories recorded by the test suite are sealed with its fixed payload key.
    {
      workflowBundle: { codePath: bundlePath() },
      dataConverter: engineDataConverter(testKeyring()),
    },
    histories.map((h) => ({ workflowId: h.workflowId, history: h.history })),
  );
  let replayed = 0;
  for await (const result of results) {
    replayed++;
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
  expect(replayed).toBe(histories.length);
});

test('a workflow change that breaks running executions is caught', async () => {
  const upgrade = histories.find(
    (h) =>
      h.history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ===
      'trialUpgrade',
  );
  if (!upgrade) throw new Error('no recorded trialUpgrade history');
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: path.resolve(__dirname, '..', 'replay', 'fixtures', 'changed-trial-upgrade.ts'),
    logger: {
      log: () => undefined,
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
    },
  });
  await expect(
    Worker.runReplayHistory(
      { workflowBundle, dataConverter: engineDataConverter(testKeyring()) },
      upgrade.history,
      upgrade.workflowId,
    ),
  ).rejects.toMatchObject({ name: 'DeterminismViolationError' });
});
