/** Runs the CLI (client/cli.ts) as a process, as a person would, against a test API. */
import { execFile } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCliProcess(
  args: string[],
  env: { BILLING_API_URL: string; BILLING_API_KEY: string } & Record<string, string>,
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      ['client/cli.ts', ...args],
      { cwd: ROOT, env: { ...process.env, ...env } },
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
