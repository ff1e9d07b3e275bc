/**
 * A drawdown on a bill that has its Bill row, drawing the account's own coupons, is
 * written on the versions of the rows it stands on (activities/ledger/bills.ts,
 * standingOn): its account, its Bill row and each coupon it draws. The write checks
 * those rows instead of reading the whole state again. These tests put a change
 * between the read and the write of each kind of row, and check that the engine
 * names the versions only when they are all the decision stands on.
 */
import { sqlPoolOf } from '../../../activities/database';
import { Dec } from '../../../domain';
import {
  couponSharedWithMember,
  createAccount,
  createBill,
  grantCoupon,
} from '../../support/ledger-fixtures';
import { couponState } from '../../support/ledger-reads';
import { useLedgerDatabase } from '../../support/ledger-harness';
import {
  applyGroupRaw,
  applyRaw,
  drawdownInput,
  drawOfFive,
  readSnapshot,
  type RawSnapshot,
} from '../../support/decided-operations';

jest.setTimeout(120_000);
const t = useLedgerDatabase();

/** An account, its coupon of 50.00 and a Bill row of 5.00; the drawdown's snapshot, read now. */
async function billReadyToDraw(options: { expiresAt?: string } = {}) {
  const accountId = await createAccount(t.db);
  const couponId = await grantCoupon(t.db, {
    ownerAccountId: accountId,
    faceValue: '50.00',
    ...options,
  });
  const billId = await createBill(t.db, { accountId, amount: '5.00' });
  const input = drawdownInput(accountId, '5.00', billId);
  const args = { accountId, billId, commodityCode: 'ecs' };
  const read = await readSnapshot(t.db, 'drawDownBill', input.operationKey, args);
  return { accountId, couponId, billId, input, args, read };
}

/** The write the engine decides on `read`: 5.00 from the coupon (at 50.00), on the rows' versions. */
function drawWrite(
  read: RawSnapshot,
  ids: { accountId: string; billId: string; couponId: string },
  versions?: unknown,
) {
  const state = read.state.versions;
  if (!state?.account || !state.bill) throw new Error('the snapshot carries no versions');
  return {
    coupons: [drawOfFive(ids.couponId, ids.billId, 'drew 5.00')],
    billCouponDeduction: '5.00',
    versions: versions ?? {
      accounts: { [ids.accountId]: state.account },
      bills: { [ids.billId]: state.bill },
      coupons: { [ids.couponId]: state.coupons[ids.couponId] },
    },
  };
}

/** ledger_apply, alone, of the write decided on the bill's snapshot (drawWrite). */
const applyDecided = (ready: Awaited<ReturnType<typeof billReadyToDraw>>) =>
  applyRaw(
    t.db,
    'drawDownBill',
    ready.input.operationKey,
    ready.args,
    ready.read.stateHash,
    drawWrite(ready.read, ready),
  );

/** Nothing of the drawdown under `key` for `billId` was written. */
async function expectNothingWritten(key: string, billId: string) {
  expect(await t.db.operation.findUnique({ where: { key } })).toBeNull();
  expect(await t.db.couponMovement.count({ where: { billId } })).toBe(0);
  const bill = await t.db.bill.findUniqueOrThrow({ where: { id: billId } });
  expect(bill.couponDeduction.toString()).toBe('0');
}

test('the drawdown state carries the versions of its account, its Bill row and its coupons', async () => {
  const { accountId, couponId, billId, read } = await billReadyToDraw();
  const [row] = await t.db.$queryRaw<{ account: string; bill: string; coupon: string }[]>`
    SELECT (SELECT xmin::text FROM "Account" WHERE "id" = ${accountId}) AS account,
           (SELECT xmin::text FROM "Bill" WHERE "id" = ${billId}) AS bill,
           (SELECT xmin::text FROM "Coupon" WHERE "id" = ${couponId}) AS coupon`;
  // Unlocked, it carries no state hash: a decision on it is written on versions or not at all.
  expect(read.stateHash).toBeNull();
  expect(read.state.versions).toEqual({
    account: row?.account,
    bill: row?.bill,
    coupons: { [couponId]: row?.coupon },
  });
});

test('a coupon it draws, changed in between: the write fails as a serialization failure, alone or in a group, and nothing of it stays', async () => {
  const { accountId, couponId, billId, input, args, read } = await billReadyToDraw();
  const changes = drawWrite(read, { accountId, billId, couponId });
  // Another bill (no row) draws 3.00 on the coupon between the read and the write.
  await t.ledger.drawDownBill(drawdownInput(accountId, '3.00'));

  await expect(
    applyRaw(t.db, 'drawDownBill', input.operationKey, args, read.stateHash, changes),
  ).rejects.toThrow(/could not serialize: coupon .* changed since it was read/);
  const op = {
    operation: 'drawDownBill',
    key: input.operationKey,
    args,
    stateHash: read.stateHash,
    requestHash: 'test-hash',
    result: {},
    changes,
  };
  expect(await applyGroupRaw(t.db, [op])).toEqual([{ outcome: 'failed', sqlstate: '40001' }]);
  expect(await couponState(t.db, couponId)).toMatchObject({ balance: '47' });
  await expectNothingWritten(input.operationKey, billId);

  // The engine decides again on what the coupon holds now.
  const result = await t.ledger.drawDownBill(input);
  expect(result.draws).toEqual([{ couponId, amount: '5.00', balanceAfter: '42.00' }]);
});

test('its Bill row changed in between (an adjustment): nothing is written (outcome changed)', async () => {
  const ready = await billReadyToDraw();
  const { couponId, billId, input } = ready;
  await t.db.bill.update({ where: { id: billId }, data: { amount: '6.00' } });
  const outcome = await applyDecided(ready);
  expect(outcome).toEqual({ outcome: 'changed' });
  expect(await couponState(t.db, couponId)).toMatchObject({ balance: '50' });
  await expectNothingWritten(input.operationKey, billId);
});

test('its account changed in between (arrears recorded): nothing is written (outcome changed)', async () => {
  const ready = await billReadyToDraw();
  const { accountId, billId, input } = ready;
  await t.db.account.update({ where: { id: accountId }, data: { arrears: '12.00' } });
  const outcome = await applyDecided(ready);
  expect(outcome).toEqual({ outcome: 'changed' });
  await expectNothingWritten(input.operationKey, billId);
  // Decided again: coupons pay nothing while the account has arrears.
  expect(await t.ledger.drawDownBill(input)).toMatchObject({
    draws: [],
    blockedBy: 'outstanding_arrears',
  });
});

test('a coupon it read but did not draw, changed in between: the write stands (ordered before that change)', async () => {
  // The drawn coupon expires first; the other one is read, not drawn.
  const { accountId, couponId, billId, input, args, read } = await billReadyToDraw({
    expiresAt: '2026-06-01T00:00:00.000Z',
  });
  const other = await grantCoupon(t.db, { ownerAccountId: accountId, faceValue: '20.00' });
  const withOther = await readSnapshot(t.db, 'drawDownBill', input.operationKey, args);
  expect(Object.keys(withOther.state.versions?.coupons ?? {}).sort()).toEqual(
    [couponId, other].sort(),
  );
  // Any other change of that coupon's row renews its version (here its source).
  await t.db.coupon.update({ where: { id: other }, data: { source: 'changed in between' } });
  const outcome = await applyRaw(
    t.db,
    'drawDownBill',
    input.operationKey,
    args,
    withOther.stateHash,
    drawWrite(withOther, { accountId, billId, couponId }),
  );
  expect(outcome).toEqual({ outcome: 'applied' });
  expect(await couponState(t.db, couponId)).toMatchObject({ balance: '45' });
  expect(read.state.versions?.coupons[couponId]).toBe(withOther.state.versions?.coupons[couponId]);
});

test('a coupon written without its version is refused, and nothing is written', async () => {
  const { accountId, couponId, billId, input, args, read } = await billReadyToDraw();
  const state = read.state.versions;
  const changes = drawWrite(
    read,
    { accountId, billId, couponId },
    { accounts: { [accountId]: state?.account }, bills: { [billId]: state?.bill }, coupons: {} },
  );
  await expect(
    applyRaw(t.db, 'drawDownBill', input.operationKey, args, read.stateHash, changes),
  ).rejects.toThrow(/written without its version/);
  expect(await couponState(t.db, couponId)).toMatchObject({ balance: '50' });
  await expectNothingWritten(input.operationKey, billId);
});

test('the engine writes on versions a drawdown on a Bill row from own coupons; any other it decides under locks', async () => {
  const pool = sqlPoolOf(t.db);
  if (!pool) throw new Error('no pool');
  const query = jest.spyOn(pool, 'query');
  /** The changes of the writes the engine sent for the operation key. */
  const changesSentFor = (key: string) =>
    query.mock.calls.flatMap(([text, values]) => {
      if (typeof text !== 'string' || !text.includes('ledger_apply_group')) return [];
      const [ops] = values as [string];
      return (JSON.parse(ops) as { key: string; changes: { versions?: unknown } }[])
        .filter((op) => op.key === key)
        .map((op) => op.changes);
    });
  try {
    // A Bill row, an own coupon: the account, the bill and the coupon drawn, by version.
    const own = await billReadyToDraw();
    await t.ledger.drawDownBill(own.input);
    const [ownChanges] = changesSentFor(own.input.operationKey);
    expect(ownChanges?.versions).toEqual({
      accounts: { [own.accountId]: expect.any(String) },
      bills: { [own.billId]: expect.any(String) },
      coupons: { [own.couponId]: expect.any(String) },
    });

    // No Bill row: what coupons drew for the bill is only in its movements. No write
    // is sent without locks (the locked path's goes on a connection of its own).
    const accountId = await createAccount(t.db);
    await grantCoupon(t.db, { ownerAccountId: accountId, faceValue: '10.00' });
    const rowless = drawdownInput(accountId, '1.00');
    expect((await t.ledger.drawDownBill(rowless)).couponDeduction).toBe('1.00');
    expect(changesSentFor(rowless.operationKey)).toEqual([]);
    expect(await t.db.couponMovement.count({ where: { billId: rowless.billId } })).toBe(1);

    // A shared coupon drawn: its access is a share row, not among the versions.
    const { member, couponId } = await couponSharedWithMember(t.db, t.ledger);
    const memberBill = await createBill(t.db, { accountId: member, amount: '2.00' });
    const shared = drawdownInput(member, '2.00', memberBill);
    expect((await t.ledger.drawDownBill(shared)).draws).toEqual([
      expect.objectContaining({ couponId, amount: '2.00' }),
    ]);
    expect(changesSentFor(shared.operationKey)).toEqual([]);
  } finally {
    query.mockRestore();
  }
});

test('bills with rows, each drawn twice at once under two keys on one coupon: each bill is covered once', async () => {
  const accountId = await createAccount(t.db);
  const couponId = await grantCoupon(t.db, { ownerAccountId: accountId, faceValue: '100.00' });
  const bills = await Promise.all(
    Array.from({ length: 12 }, () => createBill(t.db, { accountId, amount: '2.00' })),
  );
  const results = await Promise.all(
    bills.flatMap((billId) => [
      t.ledger.drawDownBill(drawdownInput(accountId, '2.00', billId)),
      t.ledger.drawDownBill(drawdownInput(accountId, '2.00', billId)),
    ]),
  );
  // For each bill one of its two drawdowns drew 2.00 and the other found it covered.
  let drawn = new Dec(0);
  for (const r of results) drawn = drawn.plus(r.couponDeduction);
  expect(drawn.toString()).toBe('24');
  expect(await couponState(t.db, couponId)).toMatchObject({ balance: '76' });
  for (const billId of bills) {
    const bill = await t.db.bill.findUniqueOrThrow({ where: { id: billId } });
    expect(bill.couponDeduction.toString()).toBe('2');
    expect(await t.db.couponMovement.count({ where: { billId, kind: 'deduct' } })).toBe(1);
  }
});
