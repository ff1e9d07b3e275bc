/**
 * Issue 8: the CLI's coupon and organization commands, run as a process against
 * the API server: list with a filter and --json, one coupon's history, sharing
 * with an organization the CLI recorded and joined, cancelling the share, an
 * order's coupon deduction amount, and wrong usage exiting 2 without a call.
 */
import { issueApiKey } from '../../../api/keys';
import { createApiHarness, type ApiHarness } from '../../support/api-harness';
import { runCliProcess } from '../../support/cli-process';
import { createAccount, grantCoupon, uid } from '../../support/ledger-fixtures';
import { daysFromNow } from '../order/support';

jest.setTimeout(120_000);

let api: ApiHarness;
let key: string;
beforeAll(async () => {
  api = await createApiHarness();
  key = (
    await issueApiKey(api.engine.db, {
      id: 'test-coupon-desk',
      service: 'coupon-desk',
      scopes: ['signup', 'ops'],
    })
  ).key;
});
afterAll(async () => {
  await api?.close();
});

const cli = (args: string[]) =>
  runCliProcess(args, { BILLING_API_URL: api.url, BILLING_API_KEY: key });

test('coupons list / show / share / unshare and organizations record / join', async () => {
  const owner = await createAccount(api.engine.db);
  const member = await createAccount(api.engine.db);
  const couponId = await grantCoupon(api.engine.db, {
    ownerAccountId: owner,
    faceValue: '40.00',
    effectiveAt: daysFromNow(-1),
    expiresAt: daysFromNow(30),
  });

  const list = await cli(['coupons', 'list', owner, '--status', 'available']);
  expect(list.code).toBe(0);
  expect(list.stdout).toMatch(/couponId\s*│\s*couponNumber/);
  expect(list.stdout).toContain(couponId);
  const json = await cli(['--json', 'coupons', 'list', owner]);
  expect(JSON.parse(json.stdout)).toMatchObject({ items: [{ couponId, balance: '40.00' }] });
  const badStatus = await cli(['coupons', 'list', owner, '--status', 'lost']);
  expect(badStatus.code).toBe(1);
  expect(badStatus.stderr).toContain('query.status');

  const shown = await cli(['coupons', 'show', owner, couponId]);
  expect(shown.code).toBe(0);
  expect(shown.stdout).toMatch(/kind\s*│\s*balanceDelta/);
  expect(shown.stdout).toContain('redeem');

  const organizationId = uid('org');
  expect((await cli(['organizations', 'record', organizationId, 'Acme'])).code).toBe(0);
  for (const accountId of [owner, member]) {
    const joined = await cli(['organizations', 'join', accountId, organizationId]);
    expect([joined.code, joined.stdout]).toEqual([0, expect.stringContaining(organizationId)]);
  }
  const usage = await cli(['coupons', 'share', owner, couponId]);
  expect([usage.code, usage.stderr.trim()]).toEqual([
    2,
    'error: give exactly one of --organization <id> or --accounts <id,id,...>',
  ]);
  const shared = await cli([
    '--json',
    'coupons',
    'share',
    owner,
    couponId,
    '--organization',
    organizationId,
  ]);
  expect(shared.code).toBe(0);
  const { shareId } = JSON.parse(shared.stdout) as { shareId: string };
  const seen = await cli(['--json', 'coupons', 'list', member]);
  expect(JSON.parse(seen.stdout)).toMatchObject({ items: [{ couponId, shared: true }] });

  const unshared = await cli(['coupons', 'unshare', owner, couponId, shareId]);
  expect(unshared.code).toBe(0);
  expect(JSON.parse((await cli(['--json', 'coupons', 'list', member])).stdout)).toMatchObject({
    items: [],
  });

  const deduction = await cli(['coupons', 'deduction', '--order', uid('o')]);
  expect(deduction.code).toBe(0);
  expect(deduction.stdout).toMatch(/net\s*│\s*0/);
});
