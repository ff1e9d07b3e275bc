/**
 * `npm start` end to end: the engine comes up on its embedded defaults (ports and
 * data folder of this test's own), serves the Web UI, polls its task queue, keeps
 * workflows and rows across a restart, and refuses bad configuration in one line.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { createTrialAccount, getTrialUpgradeStage } from '../../client/trial-upgrade';
import { TEST_ENV } from '../setup/services';
import { interruptScript, runScript, waitForOutput } from '../support/script-process';
import { engineDataConverter, payloadKeyring } from '../../client/data-converter';

jest.setTimeout(180_000);

// Next to the shared test services' ports (TEST_TEMPORAL_PORT, TEST_POSTGRES_PORT), so
// several checkouts running tests at once on one machine do not collide.
const TEST_TEMPORAL = Number(process.env.TEST_TEMPORAL_PORT ?? 17233);
const TEST_POSTGRES = Number(process.env.TEST_POSTGRES_PORT ?? 55433);
const PORTS = {
  temporal: TEST_TEMPORAL + 1,
  ui: TEST_TEMPORAL + 2,
  api: TEST_TEMPORAL + 3,
  metrics: TEST_TEMPORAL + 4,
  postgres: TEST_POSTGRES + 1,
};
// npm start encrypts payloads with the development keyring: clients of it use the same.
const dataConverter = engineDataConverter(payloadKeyring({}));

describe('npm start', () => {
  let dataDir: string;
  const embeddedEnv = (): NodeJS.ProcessEnv => ({
    DATA_DIR: dataDir,
    TEMPORAL_PORT: String(PORTS.temporal),
    TEMPORAL_UI_PORT: String(PORTS.ui),
    EMBEDDED_POSTGRES_PORT: String(PORTS.postgres),
    API_PORT: String(PORTS.api),
    METRICS_BIND_ADDRESS: `127.0.0.1:${PORTS.metrics}`,
    TEMPORAL_TASK_QUEUE: 'start-test',
    TEMPORAL_ADDRESS: '',
    DATABASE_URL: '',
  });

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'billing-start-'));
    // As root, PostgreSQL runs as a `postgres` user that must reach the folder.
    await chmod(dataDir, 0o755);
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  test("runs the engine, serves the UI, and a second start finds the first start's workflows and rows", async () => {
    const first = runScript('scripts/start.ts', embeddedEnv());
    try {
      await waitForOutput(first, 'Billing engine is up');
      expect(first.output()).toContain(`http://localhost:${PORTS.ui}`);
      const ui = await fetch(`http://localhost:${PORTS.ui}`);
      expect(ui.status).toBe(200);
      // The API beside the worker, with the development keys it printed.
      const opsKey = /ops\s+(bk_dev-ops\.\S+)/.exec(first.output())?.[1] ?? '';
      const health = await fetch(`http://127.0.0.1:${PORTS.api}/health`);
      expect(health.status).toBe(200);
      const noKey = await fetch(`http://127.0.0.1:${PORTS.api}/v1/trial-upgrades`);
      expect(noKey.status).toBe(401);
      const listed = await fetch(`http://127.0.0.1:${PORTS.api}/v1/trial-upgrades`, {
        headers: { authorization: `Bearer ${opsKey}` },
      });
      expect(listed.status).toBe(200);
      const metrics = await fetch(`http://127.0.0.1:${PORTS.metrics}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(/temporal_/);

      const connection = await Connection.connect({ address: `127.0.0.1:${PORTS.temporal}` });
      try {
        const ctx = { client: new Client({ connection, dataConverter }), taskQueue: 'start-test' };
        const poll = await connection.workflowService.describeTaskQueue({
          namespace: 'default',
          taskQueue: { name: 'start-test' },
          taskQueueType: 1, // workflow
        });
        expect(poll.pollers.length).toBeGreaterThan(0);
        await createTrialAccount(ctx, {
          accountId: 'acct-restart',
          displayName: 'R',
          email: 'r@example.com',
        });
        for (
          let i = 0;
          (await getTrialUpgradeStage(ctx, 'acct-restart')) !== 'awaiting_phone';
          i++
        ) {
          if (i > 100) throw new Error('never reached awaiting_phone');
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        await connection.close();
      }
    } finally {
      expect(await interruptScript(first)).not.toBeNull();
    }

    const second = runScript('scripts/start.ts', embeddedEnv());
    try {
      await waitForOutput(second, 'Billing engine is up');
      const connection = await Connection.connect({ address: `127.0.0.1:${PORTS.temporal}` });
      try {
        const ctx = { client: new Client({ connection, dataConverter }), taskQueue: 'start-test' };
        expect(await getTrialUpgradeStage(ctx, 'acct-restart')).toBe('awaiting_phone');
      } finally {
        await connection.close();
      }
      const pg = new PgClient({
        connectionString: `postgresql://billing:billing-dev@127.0.0.1:${PORTS.postgres}/billing`,
      });
      await pg.connect();
      const { rows } = await pg.query('SELECT status FROM "Account" WHERE id = $1', [
        'acct-restart',
      ]);
      await pg.end();
      expect(rows).toEqual([{ status: 'trial' }]);
    } finally {
      await interruptScript(second);
    }
  });

  test.each([
    ['TEMPORAL_ADDRESS', { TEMPORAL_ADDRESS: '127.0.0.1:1' }],
    ['TEMPORAL_ADDRESS', { TEMPORAL_ADDRESS: 'not an address' }],
    ['TEMPORAL_PORT', { TEMPORAL_PORT: 'abc' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://nope' }],
  ])('a bad %s stops start-up with one line naming it', async (variable, env) => {
    const started = runScript('scripts/start.ts', { ...embeddedEnv(), ...env });
    expect(await started.exited).toBe(1);
    const lines = started
      .output()
      .trim()
      .split('\n')
      .filter((l) => !l.includes('nodedir'));
    expect(lines.filter((l) => l.startsWith('error:'))).toHaveLength(1);
    expect(lines.join('\n')).toMatch(new RegExp(`^error: .*\\b${variable}\\b`, 'm'));
    expect(started.output()).not.toMatch(/\n\s+at /); // no stack trace
  });

  test('an unreachable DATABASE_URL stops start-up with one line naming it', async () => {
    const started = runScript('scripts/start.ts', {
      ...embeddedEnv(),
      TEMPORAL_ADDRESS: process.env[TEST_ENV.temporalAddress],
      DATABASE_URL: 'postgresql://nobody:secret@127.0.0.1:1/billing',
    });
    expect(await started.exited).toBe(1);
    expect(started.output()).toMatch(
      /error: DATABASE_URL: cannot connect to PostgreSQL at postgresql:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/billing/,
    );
    expect(started.output()).not.toContain('secret');
    expect(started.output()).not.toMatch(/\n\s+at /);
  });
});
