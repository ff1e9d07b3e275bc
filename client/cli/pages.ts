/** Lists of the API page by page: one page (with a hint for the next), or `--all` with progress. */
import type { Command } from 'commander';
import type { CliContext } from './types';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageOptions {
  limit: string;
  cursor?: string;
  all?: boolean;
}

/** Adds the paging options every list command takes (--limit, --cursor, --all). */
export function withPageOptions(command: Command): Command {
  return command
    .option('--limit <n>', 'rows per page (1-100)', '20')
    .option('--cursor <cursor>', 'start at this page (nextCursor of the previous one)')
    .option('--all', 'follow every page');
}

/** Fetches one page, or every page with `all`; prints `more: --cursor ...` when there are more. */
export async function collectPages<T>(
  ctx: CliContext,
  path: string,
  query: Record<string, string | undefined>,
  o: PageOptions,
  noun: string,
): Promise<Page<T>> {
  const items: T[] = [];
  let cursor = o.cursor;
  let page: Page<T>;
  for (let n = 1; ; n++) {
    page = await ctx.api().get<Page<T>>(path, { ...query, limit: o.limit, cursor });
    items.push(...page.items);
    if (!o.all || !page.nextCursor) break;
    ctx.out().progress(`page ${n}: ${items.length} ${noun} so far`);
    cursor = page.nextCursor;
  }
  return { items, nextCursor: page.nextCursor };
}

export function moreHint(ctx: CliContext, page: Page<unknown>, o: PageOptions): void {
  if (page.nextCursor && !o.all) ctx.out().line(`more: --cursor ${page.nextCursor}`);
}
