/**
 * Group commit (activities/ledger/group-commit.ts): calls that queue while a
 * statement is in flight share the next one; a failing group is split so each
 * call gets its own statement's answer.
 */
import { createStatementGroup } from '../../../activities/ledger/group-commit';

/** A statement that answers when told to, recording what it was sent. */
function controlledStatements() {
  const groups: string[][] = [];
  const alone: string[] = [];
  const waiting: (() => void)[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const hold = async () => {
    inFlight++;
    mostInFlight = Math.max(mostInFlight, inFlight);
    await new Promise<void>((resolve) => waiting.push(resolve));
    inFlight--;
  };
  return {
    groups,
    alone,
    mostInFlight: () => mostInFlight,
    /** Answers every statement sent, and those their answers lead to, until none is left. */
    releaseAll: async () => {
      for (let idle = 0; idle < 3;) {
        await new Promise((resolve) => setImmediate(resolve));
        if (waiting.length === 0) idle++;
        else waiting.splice(0).forEach((release) => release());
      }
    },
    runMany: async (calls: string[]) => {
      groups.push(calls);
      await hold();
      if (calls.includes('poison')) throw new Error('the group failed');
      return calls.map((c) => `answer ${c}`);
    },
    runOne: async (call: string) => {
      alone.push(call);
      await hold();
      if (call === 'poison') throw new Error('poison refused');
      return `answer ${call}`;
    },
  };
}

test('calls queued while a statement is in flight share the next one, at most maxCalls each, answers in order', async () => {
  const s = controlledStatements();
  const group = createStatementGroup(s.runMany, s.runOne, { maxCalls: 3, maxInFlight: 1 });
  const first = group.run('a'); // alone: nothing else is queued in its task
  await new Promise((resolve) => setImmediate(resolve));
  const rest = ['b', 'c', 'd', 'e', 'f', 'g'].map((c) => group.run(c));
  await s.releaseAll();
  expect(await first).toBe('answer a');
  expect(await Promise.all(rest)).toEqual(['b', 'c', 'd', 'e', 'f', 'g'].map((c) => `answer ${c}`));
  expect(s.alone).toEqual(['a']);
  expect(s.groups).toEqual([
    ['b', 'c', 'd'],
    ['e', 'f', 'g'],
  ]);
  expect(s.mostInFlight()).toBe(1);
  expect(group.stats).toEqual({ statements: 3, calls: 7 });
});

test('no more statements in flight than maxInFlight', async () => {
  const s = controlledStatements();
  const group = createStatementGroup(s.runMany, s.runOne, { maxCalls: 2, maxInFlight: 2 });
  const answers = Promise.all(Array.from({ length: 9 }, (_, i) => group.run(`c${i}`)));
  await s.releaseAll();
  expect(await answers).toEqual(Array.from({ length: 9 }, (_, i) => `answer c${i}`));
  expect(s.mostInFlight()).toBe(2);
  expect(s.groups.flat().concat(s.alone).sort()).toEqual(
    Array.from({ length: 9 }, (_, i) => `c${i}`).sort(),
  );
});

test('a failing group is split: each call runs alone and gets its own answer or error', async () => {
  const s = controlledStatements();
  const group = createStatementGroup(s.runMany, s.runOne, { maxCalls: 8, maxInFlight: 1 });
  const calls = ['x', 'poison', 'y'].map((c) => group.run(c).catch((err: Error) => err.message));
  await s.releaseAll();
  expect(await Promise.all(calls)).toEqual(['answer x', 'poison refused', 'answer y']);
  expect(s.groups).toEqual([['x', 'poison', 'y']]);
  expect(s.alone.sort()).toEqual(['poison', 'x', 'y']);
  expect(group.stats).toEqual({ statements: 4, calls: 3 });
});

test('a group answered with the wrong number of answers is split too', async () => {
  const alone: string[] = [];
  const group = createStatementGroup(
    async (calls: string[]) => calls.slice(1),
    async (call: string) => {
      alone.push(call);
      return call.toUpperCase();
    },
    { maxCalls: 8, maxInFlight: 1 },
  );
  expect(await Promise.all(['p', 'q'].map((c) => group.run(c)))).toEqual(['P', 'Q']);
  expect(alone.sort()).toEqual(['p', 'q']);
});
