/**
 * The engine's CLI for ops and billing staff: `npm run cli -- <command>`. It
 * calls the HTTP API (BILLING_API_URL, default http://127.0.0.1:8080) with an
 * API key (BILLING_API_KEY, printed by `npm start`); tables by default, `--json`
 * for scripts; progress of long operations on stderr. A refusal prints its
 * reason code and the fields at fault, and exits 1.
 */
import { Command } from 'commander';
import { CLI_COMMANDS } from './cli/index';
import { ApiError, createApiClient, type ApiClient } from './cli/http';
import { createOutput, type Output } from './cli/output';
import { CliUsageError } from './cli/types';

interface GlobalOptions {
  apiUrl: string;
  apiKey?: string;
  json?: boolean;
  progress?: boolean;
  idempotencyKey?: string;
}

export function buildProgram(): Command {
  const program = new Command('billing')
    .description('Coupon billing engine: ops and billing commands over the HTTP API')
    .option(
      '--api-url <url>',
      'API base URL',
      process.env.BILLING_API_URL ?? 'http://127.0.0.1:8080',
    )
    .option('--api-key <key>', 'API key (default BILLING_API_KEY)')
    .option('--json', 'print JSON instead of tables')
    .option('--progress', 'show progress even when stderr is not a terminal')
    .option(
      '--idempotency-key <key>',
      'retry a mutating command safely: the same key returns the first answer',
    )
    .showHelpAfterError();
  const options = (): GlobalOptions => program.opts<GlobalOptions>();
  let api: ApiClient | undefined;
  let out: Output | undefined;
  const ctx = {
    api: (): ApiClient => {
      const key = options().apiKey ?? process.env.BILLING_API_KEY;
      if (!key) {
        throw new ApiError({
          code: 'missing_api_key',
          status: 0,
          detail: 'set BILLING_API_KEY (npm start prints development keys) or pass --api-key',
        });
      }
      const idem = options().idempotencyKey;
      return (api ??= createApiClient({
        url: options().apiUrl,
        key,
        ...(idem ? { idempotencyKey: idem } : {}),
      }));
    },
    out: (): Output =>
      (out ??= createOutput({
        json: Boolean(options().json),
        progress: Boolean(options().progress) || Boolean(process.stderr.isTTY),
      })),
  };
  for (const register of CLI_COMMANDS) register(program, ctx);
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CliUsageError) {
      process.stderr.write(`error: ${err.message}\n`);
      return 2;
    }
    if (!(err instanceof ApiError)) throw err;
    const { problem } = err;
    const lines = [`error: ${problem.code}: ${problem.detail}`];
    for (const e of problem.errors ?? []) lines.push(`  ${e.field}: ${e.message}`);
    if (problem.missing?.length) lines.push(`  missing steps: ${problem.missing.join(', ')}`);
    if (problem.retryAt) lines.push(`  retry at ${problem.retryAt}`);
    process.stderr.write(`${lines.join('\n')}\n`);
    return 1;
  }
}

if (require.main === module) {
  runCli(process.argv).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
