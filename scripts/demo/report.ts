/**
 * The demo's narration and its checks: numbered steps, indented details, links to
 * the Temporal Web UI, plain tables, and a checker that compares what the engine
 * wrote with what the rules say it must have written. Any disagreement is printed
 * and makes the demo exit non-zero.
 */
const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: string, text: string): string =>
  useColor ? `\u001b[${code}m${text}\u001b[0m` : text;
export const bold = (t: string): string => paint('1', t);
export const dim = (t: string): string => paint('2', t);
const green = (t: string): string => paint('32', t);
const red = (t: string): string => paint('31', t);

let stepNo = 0;
export function step(title: string): void {
  stepNo++;
  console.log(`\n${bold(`[${stepNo}] ${title}`)}`);
}
export function say(line: string): void {
  console.log(`    ${line}`);
}
export function link(label: string, url: string): void {
  console.log(`    ${dim('↗')} ${label}: ${url}`);
}

/** A plain left-aligned table. */
export function table(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `    ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd();
  console.log(line(headers));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
}

export class Checker {
  private passed = 0;
  private readonly failures: string[] = [];

  /** Compares as JSON, so arrays and objects are checked whole. */
  equal(what: string, actual: unknown, expected: unknown): void {
    const a = JSON.stringify(actual);
    const e = JSON.stringify(expected);
    if (a === e) {
      this.passed++;
      console.log(`    ${green('✔')} ${what}: ${a}`);
    } else {
      this.failures.push(`${what}: expected ${e}, the engine has ${a}`);
      console.log(`    ${red('✘')} ${what}: expected ${e}, the engine has ${a}`);
    }
  }

  get failed(): number {
    return this.failures.length;
  }

  /** The closing lines: every disagreement again, then the verdict. */
  summary(): boolean {
    console.log('');
    if (this.failures.length === 0) {
      console.log(bold(green(`DEMO OK: all ${this.passed} checks passed`)));
      return true;
    }
    console.log(red(bold(`DEMO FAILED: the engine disagrees on ${this.failures.length} check(s)`)));
    for (const f of this.failures) console.log(red(`  ✘ ${f}`));
    console.log(`  (${this.passed} other checks passed)`);
    return false;
  }
}
