/**
 * `npm run demo` end to end, as a newcomer runs it: `npm start` as a child process
 * (its own ports and data folder), then the demo against it, twice (every id is
 * new per run), then Ctrl-C. The demo checks the engine's ledgers itself and exits
 * non-zero when they disagree with the rules; this test also reads the database.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import {
  interruptScript,
  runScript,
  waitForOutput,
  type ScriptProcess,
} from '../support/script-process';

jest.setTimeout(300_000);

// Ports of this test's own engine (start.test.ts uses 17901/18901/55901).
const PORTS = { temporal: 18051, ui: 18052, postgres: 56051, api: 18053 };

describe('npm run demo against npm start', () => {
  let dataDir: string;
  let engine: ScriptProcess | undefined;
  const env = (): NodeJS.ProcessEnv => ({
    DATA_DIR: dataDir,
    TEMPORAL_PORT: String(PORTS.temporal),
    TEMPORAL_UI_PORT: String(PORTS.ui),
    EMBEDDED_POSTGRES_PORT: String(PORTS.postgres),
    API_PORT: String(PORTS.api),
    METRICS_BIND_ADDRESS: 'off',
    TEMPORAL_TASK_QUEUE: 'demo-test',
    TEMPORAL_ADDRESS: '',
    DATABASE_URL: '',
    PAYLOAD_CODEC_KEYS: '',
    PAYLOAD_CODEC_ACTIVE_KEY: '',
    NO_COLOR: '1',
  });

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'billing-demo-'));
    // As root, PostgreSQL runs as a `postgres` user that must reach the folder.
    await chmod(dataDir, 0o755);
    engine = runScript('scripts/start.ts', env());
    await waitForOutput(engine, 'Billing engine is up');
  });
  afterAll(async () => {
    if (engine) await interruptScript(engine);
    await rm(dataDir, { recursive: true, force: true });
  });

  test('runs the whole scenario, twice, and every check passes', async () => {
    const outputs: string[] = [];
    for (let i = 0; i < 2; i++) {
      const demo = runScript('scripts/demo.ts', env());
      const code = await demo.exited;
      const output = demo.output();
      if (code !== 0) throw new Error(`demo exited ${String(code)}:\n${output}`);
      outputs.push(output);
    }
    for (const output of outputs) {
      expect(output).toMatch(/DEMO OK: all \d+ checks passed/);
      expect(output).not.toContain('✘');
      // Each workflow is linked in the dev server's Web UI.
      expect(output).toMatch(
        new RegExp(
          `http://localhost:${PORTS.ui}/namespaces/default/workflows/trial-upgrade%2Fdemo-[0-9a-f]{8}`,
        ),
      );
      expect(output).toMatch(/\/workflows\/order%2Fdemo-[0-9a-f]{8}-provision-fail-cash/);
      expect(output).toMatch(/\/workflows\/bill%2Fdemo-[0-9a-f]{8}-bill/);
      for (const line of [
        'bill drawdown order: same expiry → larger balance first (50, 30), later expiry last (60)',
        'subscription cash coupon: released by the cancel, returned after the failed provisioning',
        'payments: charges, the decline, the retry and the refunds of failed provisioning',
      ]) {
        expect(output).toContain(`✔ ${line}`);
      }
    }
    const runs = outputs.map((o) => /Billing engine demo, run ([0-9a-f]{8})/.exec(o)?.[1]);
    expect(runs[0]).toBeDefined();
    expect(runs[0]).not.toBe(runs[1]);

    // The rows behind the demo's table, read independently of the demo.
    const pg = new PgClient({
      connectionString: `postgresql://billing:billing-dev@127.0.0.1:${PORTS.postgres}/billing`,
    });
    await pg.connect();
    try {
      for (const runId of runs) {
        const accountId = `demo-${runId ?? ''}`;
        const account = await pg.query<{ status: string; funds: string }>(
          'SELECT status, "fundsBalance"::text AS funds FROM "Account" WHERE id = $1',
          [accountId],
        );
        expect(account.rows).toEqual([{ status: 'upgraded', funds: '10.0000' }]);
        const drawn = await pg.query<{ delta: string }>(
          `SELECT m."balanceDelta"::text AS delta FROM "CouponMovement" m
             WHERE m."billId" = $1 AND m.kind = 'deduct' ORDER BY m.id`,
          [`${accountId}-bill`],
        );
        expect(drawn.rows.map((r) => r.delta)).toEqual(['-50.0000', '-30.0000', '-60.0000']);
        const orders = await pg.query<{ id: string; status: string }>(
          'SELECT id, status::text FROM "Order" WHERE "accountId" = $1 ORDER BY id',
          [accountId],
        );
        expect(orders.rows).toEqual([
          { id: `${accountId}-cancelled`, status: 'cancelled' },
          { id: `${accountId}-provision-fail-cash`, status: 'provisioning_failed' },
          { id: `${accountId}-provision-fail-discount`, status: 'provisioning_failed' },
          { id: `${accountId}-retried`, status: 'provisioned' },
          { id: `${accountId}-threshold`, status: 'provisioned' },
        ]);
      }
    } finally {
      await pg.end();
    }
  });
});
