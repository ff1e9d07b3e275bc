/**
 * Issue 8: the CLI's main commands, run as a process against the API server and
 * a worker: tables by default, --json, --all with progress, refusals printed with
 * their reason and exit code 1, the same --idempotency-key redeeming once.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { issueApiKey } from '../../../api/keys';
import { createApiHarness, type ApiHarness } from '../../support/api-harness';
import { createFundsCode } from '../../support/ledger-fixtures';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '..', '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
let api: ApiHarness;
let staffKey: string;

beforeAll(async () => {
  api = await createApiHarness();
  staffKey = (
    await issueApiKey(api.engine.db, {
      id: 'test-staff',
      service: 'staff',
      scopes: ['ops', 'billing'],
    })
  ).key;
  await api.engine.db.account.create({
    data: { id: 'acct-cli', displayName: 'C', email: 'c@example.com', status: 'upgraded' },
  });
  await createFundsCode(api.engine.db, { code: 'CLI15', amount: '15.00' });
  await createFundsCode(api.engine.db, { code: 'CLI25', amount: '25.00' });
  for (const n of [1, 2, 3]) {
    await api.call('POST', '/v1/trial-upgrades', {
      body: { accountId: `acct-cli-up-${n}`, displayName: 'U', email: `u${n}@example.com` },
    });
  }
});
afterAll(async () => {
  await api?.close();
});

function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      ['client/cli.ts', ...args],
      {
        cwd: ROOT,
        env: { ...process.env, BILLING_API_URL: api.url, BILLING_API_KEY: staffKey, ...env },
      },
      (err, stdout, stderr) =>
        resolve({
          code: err ? Number((err as { code?: number }).code ?? 1) : 0,
          stdout,
          stderr: stderr
            .split('\n')
            .filter((l) => !l.includes('nodedir'))
            .join('\n'),
        }),
    );
  });
}

test('codes redeem: a readable record, then --json; the same --idempotency-key redeems once', async () => {
  const first = await cli([
    '--idempotency-key',
    'cli-redeem-0001',
    'codes',
    'redeem',
    'acct-cli',
    'CLI15',
  ]);
  expect(first).toMatchObject({ code: 0 });
  expect(first.stdout).toMatch(/fundsAdded\s*│\s*15\.00/);
  const again = await cli([
    '--json',
    '--idempotency-key',
    'cli-redeem-0001',
    'codes',
    'redeem',
    'acct-cli',
    'CLI15',
  ]);
  expect(JSON.parse(again.stdout)).toMatchObject({
    code: 'CLI15',
    fundsAdded: '15.00',
    fundsBalance: '15.00',
  });
  expect(
    Number(
      (await api.engine.db.account.findUniqueOrThrow({ where: { id: 'acct-cli' } })).fundsBalance,
    ),
  ).toBe(15);
});

test('a refusal prints its reason and the field, exit code 1; a missing key says what to set', async () => {
  const refused = await cli(['codes', 'redeem', 'acct-cli', 'NOT-A-CODE']);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/^error: unknown_code: /m);
  expect(refused.stderr).toMatch(/body\.code/);
  const bad = await cli(['codes', 'redeem', 'acct-cli', 'has space']);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/error: invalid_input: .*\n\s+body\.code: /);
  const noKey = await cli(['accounts', 'show', 'acct-cli'], { BILLING_API_KEY: '' });
  expect(noKey.code).toBe(1);
  expect(noKey.stderr).toMatch(/missing_api_key: set BILLING_API_KEY/);
  const signupKey = await cli(['upgrades', 'list'], { BILLING_API_KEY: api.keys.signup });
  expect(signupKey.stderr).toMatch(/insufficient_scope/);
});

test('accounts show and codes list as tables', async () => {
  await cli(['codes', 'redeem', 'acct-cli', 'CLI25']);
  const account = await cli(['accounts', 'show', 'acct-cli']);
  expect(account.code).toBe(0);
  expect(account.stdout).toMatch(/fundsBalance\s*│\s*40\.00/);
  const list = await cli(['codes', 'list', 'acct-cli']);
  expect(list.stdout).toMatch(/code\s*│\s*grant/);
  expect(list.stdout).toMatch(/CLI25/);
  expect(list.stdout).toMatch(/CLI15/);
});

test('upgrades list --all pages with progress; show and cancel', async () => {
  let listed: { items: Array<{ accountId: string }> } = { items: [] };
  for (let i = 0; ; i++) {
    const run = await cli([
      '--json',
      '--progress',
      'upgrades',
      'list',
      '--stage',
      'awaiting_phone',
      '--limit',
      '1',
      '--all',
    ]);
    expect(run.code).toBe(0);
    listed = JSON.parse(run.stdout) as typeof listed;
    if (listed.items.filter((x) => x.accountId.startsWith('acct-cli-up-')).length === 3) {
      expect(run.stderr).toMatch(/… page 2: 2 upgrades so far/);
      break;
    }
    if (i > 20) throw new Error('upgrades never listed');
    await new Promise((r) => setTimeout(r, 300));
  }
  const show = await cli(['upgrades', 'show', 'acct-cli-up-1']);
  expect(show.stdout).toMatch(/stage\s*│\s*awaiting_phone/);
  expect(show.stdout).toMatch(/missing\s*│\s*phone, phone_verification/);
  const cancel = await cli(['upgrades', 'cancel', 'acct-cli-up-2', '--reason', 'duplicate signup']);
  expect(cancel.code).toBe(0);
  expect(cancel.stdout).toMatch(/cancellation\s*│\s*requested/);
  const bad = await cli(['upgrades', 'list', '--stage', 'sleeping']);
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toMatch(/Allowed choices are/);
});
