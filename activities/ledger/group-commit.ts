/**
 * Group commit: calls that arrive while earlier ones are in flight go together
 * in the next statement, so a busy worker sends one statement (one round trip,
 * one commit, one WAL flush) for many operations instead of one each. An idle
 * worker's call goes at once, alone: no timer, so no added latency.
 *
 * A group whose statement fails is split: each of its calls then runs alone,
 * so one bad call cannot fail the others, and each caller gets the error its
 * own statement gives (a failure after commit is safe too: the ledger's calls
 * are keyed, and running one again returns what is stored).
 */

export interface StatementGroupOptions {
  /** Most calls in one statement (the apply's subtransactions stay under PostgreSQL's 64 cached). */
  maxCalls: number;
  /** Most statements in flight at once (each holds a pooled connection). */
  maxInFlight: number;
}

export interface StatementGroupStats {
  /** Statements sent, grouped or alone (a split group's calls count one each). */
  statements: number;
  /** Calls answered. */
  calls: number;
}

export interface StatementGroup<I, O> {
  run(call: I): Promise<O>;
  readonly stats: Readonly<StatementGroupStats>;
}

interface Pending<I, O> {
  call: I;
  resolve: (out: O) => void;
  reject: (err: unknown) => void;
}

export function createStatementGroup<I, O>(
  runMany: (calls: I[]) => Promise<O[]>,
  runOne: (call: I) => Promise<O>,
  options: StatementGroupOptions,
): StatementGroup<I, O> {
  let queue: Pending<I, O>[] = [];
  let inFlight = 0;
  const stats: StatementGroupStats = { statements: 0, calls: 0 };

  const alone = (p: Pending<I, O>): Promise<void> => {
    stats.statements++;
    return runOne(p.call).then(p.resolve, p.reject);
  };

  const send = async (group: Pending<I, O>[]): Promise<void> => {
    stats.calls += group.length;
    const [first] = group;
    if (group.length === 1 && first) return alone(first);
    stats.statements++;
    let outs: O[];
    try {
      outs = await runMany(group.map((p) => p.call));
      if (outs.length !== group.length) {
        throw new Error(`a group of ${group.length} calls got ${outs.length} answers`);
      }
    } catch {
      await Promise.all(group.map(alone));
      return;
    }
    group.forEach((p, i) => p.resolve(outs[i] as O));
  };

  const pump = (): void => {
    while (inFlight < options.maxInFlight && queue.length > 0) {
      const group = queue.slice(0, options.maxCalls);
      queue = queue.slice(group.length);
      inFlight++;
      void send(group).finally(() => {
        inFlight--;
        pump();
      });
    }
  };

  return {
    stats,
    run: (call) =>
      new Promise<O>((resolve, reject) => {
        queue.push({ call, resolve, reject });
        // After the current task's synchronous calls have queued too.
        if (queue.length === 1) queueMicrotask(pump);
      }),
  };
}
