/**
 * A project script (scripts/*.ts) run as its npm script runs it: Node with tsx as a
 * loader (package.json "start"), in a process group of its own, so a test's SIGINT
 * reaches it and everything it started as Ctrl-C in a terminal would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

export interface ScriptProcess {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr interleaved. */
  output: () => string;
  /** Its exit code (null: ended by a signal). */
  exited: Promise<number | null>;
}

export function runScript(script: string, env: NodeJS.ProcessEnv): ScriptProcess {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, output: () => output, exited };
}

/** Ctrl-C: SIGINT to its whole process group; resolves with its exit code. */
export function interruptScript(run: ScriptProcess): Promise<number | null> {
  if (run.child.pid && run.child.exitCode === null && run.child.signalCode === null) {
    process.kill(-run.child.pid, 'SIGINT');
  }
  return run.exited;
}

/** Resolves once it has printed `text`; fails if it exits first or `ms` pass. */
export async function waitForOutput(run: ScriptProcess, text: string, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!run.output().includes(text)) {
    if (run.child.exitCode !== null) throw new Error(`exited early:\n${run.output()}`);
    if (Date.now() > deadline) throw new Error(`no "${text}" in:\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
