/**
 * CPU time, to show where an operation's cost goes: this Node process's own
 * (process.cpuUsage) and the benchmark PostgreSQL's (its postmaster and every
 * backend, from /proc; Linux only, else null). Per-call figures of a concurrent
 * run, so they include the contention the run causes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const TICKS_PER_SECOND = 100; // USER_HZ, fixed at 100 on Linux for /proc's clock ticks

function processTicks(
  pid: string,
): { ppid: string; ticks: number; reapedChildrenTicks: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may contain spaces: state ppid ... utime(14)
    // stime(15) cutime(16) cstime(17), the last two of children it has reaped.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      ppid: fields[1] ?? '',
      ticks: Number(fields[11]) + Number(fields[12]),
      reapedChildrenTicks: Number(fields[13]) + Number(fields[14]),
    };
  } catch {
    return null; // gone meanwhile
  }
}

/** CPU ms used so far by one process (all its threads), or null where /proc is not available. */
export function processCpuMs(pid: number): number | null {
  const p = processTicks(String(pid));
  return p === null ? null : (p.ticks * 1000) / TICKS_PER_SECOND;
}

/** CPU ms used so far by the server whose data directory this is (postmaster + children). */
export function postgresCpuMs(dataDir: string): number | null {
  let postmaster: string;
  let pids: string[];
  try {
    postmaster = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '';
    pids = readdirSync('/proc');
  } catch {
    return null;
  }
  // A backend that exited (a pool closed an idle connection) counts in the postmaster's cutime.
  const main = processTicks(postmaster);
  let ticks = (main?.ticks ?? 0) + (main?.reapedChildrenTicks ?? 0);
  for (const pid of pids) {
    if (!/^\d+$/.test(pid)) continue;
    const p = processTicks(pid);
    if (p && p.ppid === postmaster) ticks += p.ticks;
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

export interface CpuSplit {
  /** This process's CPU ms per call. */
  node: number;
  /** PostgreSQL's CPU ms per call (null where /proc is not available). */
  postgres: number | null;
}

/** Runs `work` and returns its result with the CPU it cost per call, over `calls` calls. */
export async function withCpuSplit<T>(
  dataDir: string,
  calls: number,
  work: () => Promise<T>,
): Promise<T & { cpu: CpuSplit }> {
  const node0 = process.cpuUsage();
  const pg0 = postgresCpuMs(dataDir);
  const result = await work();
  const node = process.cpuUsage(node0);
  const pg1 = postgresCpuMs(dataDir);
  return {
    ...result,
    cpu: {
      node: (node.user + node.system) / 1000 / calls,
      postgres: pg0 === null || pg1 === null ? null : (pg1 - pg0) / calls,
    },
  };
}
