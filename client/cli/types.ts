import type { Command } from 'commander';
import type { ApiClient } from './http';
import type { Output } from './output';

/** What a command's action uses: the API and the output. */
export interface CliContext {
  api: () => ApiClient;
  out: () => Output;
}

/**
 * One business area's commands (client/cli/<area>.ts), listed in client/cli/index.ts.
 * Adds subcommands to `program`; actions call the HTTP API through `ctx.api()`.
 */
export type CliModule = (program: Command, ctx: CliContext) => void;

/** A command used wrongly (options that go together or exclude each other): one line, exit 2. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}
