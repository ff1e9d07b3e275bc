/**
 * Issue 5: account funds and arrears on the real database — addFunds (a top-up
 * or recharge clears arrears first), payBillFromFunds, recordArrears,
 * clearArrears: funds movements and balances, refusals, idempotent retries.
 */
import { useLedgerDatabase } from '../../support/ledger-harness';
import {
  createAccount,
  createBill,
  ledgerRowCounts,
  refusalOf,
  uid,
} from '../../support/ledger-fixtures';
import { fundsOf } from '../../support/ledger-reads';

jest.setTimeout(60_000);
const t = useLedgerDatabase();

describe('addFunds', () => {
  test('a top-up adds funds with a movement; a retry replays; other arguments are refused', async () => {
    const accountId = await createAccount(t.db, { funds: '5.00' });
    const input = {
      accountId,
      amount: '20.50',
      currency: 'USD' as const,
      kind: 'top_up' as const,
      reference: 'card-charge-1',
      operationKey: uid('op'),
    };
    const result = await t.ledger.addFunds(input);
    expect(result).toEqual({
      accountId,
      fundsAdded: '20.50',
      arrearsCleared: '0.00',
      fundsBalance: '25.50',
      arrears: '0.00',
    });
    expect(await fundsOf(t.db, accountId)).toEqual({
      funds: '25.5',
      arrears: '0',
      movements: [
        { kind: 'top_up', delta: '5' },
        { kind: 'top_up', delta: '20.5' },
      ],
    });
    const before = await ledgerRowCounts(t.db);
    expect(await t.ledger.addFunds(input)).toEqual(result);
    expect((await refusalOf(t.ledger.addFunds({ ...input, kind: 'recharge' }))).type).toBe(
      'operation_key_reused',
    );
    expect(await ledgerRowCounts(t.db)).toEqual(before);
  });

  test('money coming in clears outstanding arrears first', async () => {
    const accountId = await createAccount(t.db, { arrears: '30.00' });
    const result = await t.ledger.addFunds({
      accountId,
      amount: '50.00',
      currency: 'USD',
      kind: 'recharge',
      operationKey: uid('op'),
    });
    expect(result).toMatchObject({
      arrearsCleared: '30.00',
      fundsBalance: '20.00',
      arrears: '0.00',
    });
    expect((await fundsOf(t.db, accountId)).movements).toEqual([
      { kind: 'recharge', delta: '50' },
      { kind: 'arrears_cleared', delta: '-30' },
    ]);
  });

  test('refusals write nothing: unknown account, another currency, an amount off the currency grid', async () => {
    const accountId = await createAccount(t.db, { currency: 'JPY' });
    const before = await ledgerRowCounts(t.db);
    const add = (over: object) =>
      refusalOf(
        t.ledger.addFunds({
          accountId,
          amount: '100',
          currency: 'JPY',
          kind: 'top_up',
          operationKey: uid('op'),
          ...over,
        }),
      );
    expect((await add({ accountId: 'acct-missing' })).type).toBe('account_not_found');
    expect((await add({ currency: 'USD', amount: '1.00' })).type).toBe('currency_mismatch');
    const offGrid = await add({ amount: '100.5' });
    expect(offGrid.type).toBe('invalid_input');
    expect(offGrid.message).toMatch(/amount/);
    expect(await ledgerRowCounts(t.db)).toEqual(before);
  });
});

describe('payBillFromFunds', () => {
  test('takes at most the funds there are, reports the remainder, and records the bill payment', async () => {
    const accountId = await createAccount(t.db, { funds: '20.00' });
    const billId = await createBill(t.db, { accountId, amount: '50.00' });
    const input = {
      accountId,
      billId,
      amount: '50.00',
      currency: 'USD' as const,
      operationKey: uid('op'),
    };
    const result = await t.ledger.payBillFromFunds(input);
    expect(result).toEqual({
      accountId,
      billId,
      paid: '20.00',
      remainder: '30.00',
      fundsBalance: '0.00',
    });
    expect((await fundsOf(t.db, accountId)).movements.at(-1)).toEqual({
      kind: 'bill_payment',
      delta: '-20',
    });
    expect(
      (await t.db.bill.findUniqueOrThrow({ where: { id: billId } })).fundsPaid.toString(),
    ).toBe('20');
    const before = await ledgerRowCounts(t.db);
    expect(await t.ledger.payBillFromFunds(input)).toEqual(result);
    expect((await refusalOf(t.ledger.payBillFromFunds({ ...input, amount: '5.00' }))).type).toBe(
      'operation_key_reused',
    );
    // No funds left: nothing paid, no movement.
    expect(
      await t.ledger.payBillFromFunds({ ...input, amount: '30.00', operationKey: uid('op') }),
    ).toMatchObject({ paid: '0.00', remainder: '30.00' });
    expect(await ledgerRowCounts(t.db)).toEqual({ ...before, operations: before.operations + 1 });
  });

  test('refuses an unknown account and another currency, writing nothing', async () => {
    const accountId = await createAccount(t.db, { funds: '20.00' });
    const before = await ledgerRowCounts(t.db);
    const pay = (over: object) =>
      refusalOf(
        t.ledger.payBillFromFunds({
          accountId,
          billId: 'bill-1',
          amount: '5.00',
          currency: 'USD',
          operationKey: uid('op'),
          ...over,
        }),
      );
    expect((await pay({ accountId: 'acct-missing' })).type).toBe('account_not_found');
    expect((await pay({ currency: 'EUR' })).type).toBe('currency_mismatch');
    expect(await ledgerRowCounts(t.db)).toEqual(before);
  });
});

describe('recordArrears and clearArrears', () => {
  test('an unpaid overdue bill becomes arrears; clearArrears pays them from funds as far as they go', async () => {
    const accountId = await createAccount(t.db, { funds: '10.00' });
    const record = {
      accountId,
      billId: uid('bill'),
      amount: '25.00',
      currency: 'USD' as const,
      operationKey: uid('op'),
    };
    const recorded = await t.ledger.recordArrears(record);
    expect(recorded).toEqual({
      accountId,
      cleared: '0.00',
      arrears: '25.00',
      fundsBalance: '10.00',
    });
    expect(await t.ledger.recordArrears(record)).toEqual(recorded);
    expect((await refusalOf(t.ledger.recordArrears({ ...record, amount: '26.00' }))).type).toBe(
      'operation_key_reused',
    );
    expect((await fundsOf(t.db, accountId)).arrears).toBe('25');

    const clear = { accountId, operationKey: uid('op') };
    const cleared = await t.ledger.clearArrears(clear);
    expect(cleared).toEqual({
      accountId,
      cleared: '10.00',
      arrears: '15.00',
      fundsBalance: '0.00',
    });
    const before = await ledgerRowCounts(t.db);
    expect(await t.ledger.clearArrears(clear)).toEqual(cleared);
    expect(await ledgerRowCounts(t.db)).toEqual(before);
    expect(await fundsOf(t.db, accountId)).toEqual({
      funds: '0',
      arrears: '15',
      movements: [
        { kind: 'top_up', delta: '10' },
        { kind: 'arrears_cleared', delta: '-10' },
      ],
    });
    // The top-up that follows clears the rest.
    expect(
      await t.ledger.addFunds({
        accountId,
        amount: '20.00',
        currency: 'USD',
        kind: 'top_up',
        operationKey: uid('op'),
      }),
    ).toMatchObject({ arrearsCleared: '15.00', fundsBalance: '5.00', arrears: '0.00' });
  });

  test('refusals write nothing: unknown account, another currency', async () => {
    const accountId = await createAccount(t.db);
    const before = await ledgerRowCounts(t.db);
    expect(
      (
        await refusalOf(
          t.ledger.recordArrears({
            accountId,
            billId: 'bill-1',
            amount: '1.00',
            currency: 'EUR',
            operationKey: uid('op'),
          }),
        )
      ).type,
    ).toBe('currency_mismatch');
    expect(
      (
        await refusalOf(
          t.ledger.clearArrears({ accountId: 'acct-missing', operationKey: uid('op') }),
        )
      ).type,
    ).toBe('account_not_found');
    expect(await ledgerRowCounts(t.db)).toEqual(before);
    expect((await fundsOf(t.db, accountId)).arrears).toBe('0');
  });
});
