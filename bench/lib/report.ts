/**
 * Benchmark output: a printed table, and one JSON line per run appended to
 * bench/results/<name>.jsonl so a regression shows against earlier runs.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export type Row = Record<string, string | number>;

/** A comma-separated list of positive integers from the environment, e.g. BENCH_LEVELS=10,100. */
export function envIntegers(name: string, fallback: string): number[] {
  const text = process.env[name] ?? fallback;
  const values = text.split(',').map(Number);
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v <= 0)) {
    throw new Error(`${name}: expected positive integers separated by commas, got "${text}"`);
  }
  return values;
}

export function printTable(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0] ?? {});
  const widths = columns.map((c) =>
    Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  ');
  console.log(line(columns));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(columns.map((c) => String(row[c] ?? ''))));
}

export async function saveRun(name: string, tables: Record<string, Row[]>): Promise<string> {
  const dir = path.resolve(__dirname, '..', 'results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.jsonl`);
  const run = {
    at: new Date().toISOString(),
    machine: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
    tables,
  };
  await appendFile(file, `${JSON.stringify(run)}\n`);
  return file;
}

/** Runs `count` tasks with at most `concurrency` at once; returns each task's latency in ms. */
export async function runConcurrently(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<unknown>,
): Promise<{ elapsedMs: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const index = next++;
        const t0 = performance.now();
        await task(index);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { elapsedMs: performance.now() - started, latencies };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? 0)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export const round = (value: number, digits = 1): number => Number(value.toFixed(digits));

/**
 * Runs the steps in the order given in odd rounds and in reverse in even ones, so
 * drift of the shared machine (a growing database, a busier neighbour) does not
 * favour one side; returns their results in the order given.
 */
export async function inAlternatingOrder<T extends unknown[]>(
  round: number,
  steps: { [K in keyof T]: () => Promise<T[K]> },
): Promise<T> {
  const results: unknown[] = new Array(steps.length);
  const order = steps.map((_, i) => i);
  for (const i of round % 2 === 1 ? order : order.reverse()) results[i] = await steps[i]?.();
  return results as T;
}

/**
 * A 95 % bootstrap interval of percentile(a, p) / percentile(b, p): both samples are
 * drawn again with replacement `rounds` times and the ratio's 2.5th and 97.5th
 * percentiles returned. Tells whether a ratio's distance from a target is more than
 * the sample's own noise. Seeded, so the same samples give the same interval.
 */
export function bootstrapRatioInterval(
  a: number[],
  b: number[],
  p: number,
  rounds = 1000,
  seed = 20261201,
): [number, number] {
  if (a.length === 0 || b.length === 0) return [0, 0];
  let state = seed >>> 0;
  const next = (): number => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const resample = (values: number[]): number[] =>
    values.map(() => values[Math.floor(next() * values.length)] ?? 0);
  const ratios: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const denominator = percentile(resample(b), p);
    ratios.push(denominator === 0 ? 0 : percentile(resample(a), p) / denominator);
  }
  return [percentile(ratios, 2.5), percentile(ratios, 97.5)];
}
