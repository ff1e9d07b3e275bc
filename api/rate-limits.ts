/**
 * Per-caller rate limits on the abuse-prone routes (issue 9): sending and resending
 * verification codes (each one an SMS or a call that costs money), checking them,
 * and redeeming promo / coupon codes. Each limit counts requests per API key and
 * per client IP in fixed windows; over either count the request is refused 429
 * `rate_limited` with `Retry-After`, before it is recorded for idempotency or
 * reaches a workflow. This sits in front of the per-account limits (verification
 * lockout, CodeAttempt), which a caller spreading its guesses over many accounts
 * would never reach.
 *
 * The counters live in PostgreSQL (ApiRateLimitCounter), as CodeAttempt does: the
 * API may run as several processes, and a limit counted in each process's memory
 * would let a caller multiply it by spreading requests over them. One statement
 * counts the request for both callers atomically (INSERT ... ON CONFLICT DO
 * UPDATE), so concurrent requests never lose a count.
 */
import type { Database } from '../activities/database';
import { ApiProblem } from './problems';

/** The rate-limited kinds of request; a route names its kind in `config.rateLimit`. */
export const RATE_LIMITS = ['code_sends', 'code_checks', 'code_redemptions'] as const;
export type RateLimitName = (typeof RATE_LIMITS)[number];

/** Who is counted: the API key that called, and the client's address. */
export type RateLimitCaller = 'api_key' | 'client_ip';

export interface RateLimitCounts {
  /** Requests one API key may make in a window. */
  perApiKey: number;
  /** Requests one client IP may make in a window. */
  perClientIp: number;
}

export interface ApiRateLimits {
  /** Length of one window (windows are aligned on the epoch). */
  windowMs: number;
  limits: Record<RateLimitName, RateLimitCounts>;
}

/**
 * The defaults of the RATE_LIMIT_* variables (worker/config.ts). Per key they are
 * high, because one key serves all of a calling service's customers; per IP they
 * are what a person at a sign-up form needs, many times over.
 */
export const DEFAULT_API_RATE_LIMITS: ApiRateLimits = {
  windowMs: 10 * 60 * 1000,
  limits: {
    code_sends: { perApiKey: 1000, perClientIp: 20 },
    code_checks: { perApiKey: 3000, perClientIp: 60 },
    code_redemptions: { perApiKey: 3000, perClientIp: 60 },
  },
};

/** What a refused request is told: which limit, for whom, how many, over how long. */
export interface RateLimitExceeded {
  name: RateLimitName;
  caller: RateLimitCaller;
  max: number;
  windowSeconds: number;
}

const WHAT: Record<RateLimitName, string> = {
  code_sends: 'verification code sends',
  code_checks: 'verification code checks',
  code_redemptions: 'promo / coupon code redemptions',
};
const WHO: Record<RateLimitCaller, string> = {
  api_key: 'this API key',
  client_ip: 'this client address',
};

export interface RateLimiter {
  /** Counts one request of `name` by the key and the address; throws 429 over a limit. */
  hit: (name: RateLimitName, caller: { apiKeyId: string; ip: string }) => Promise<void>;
}

export function createRateLimiter(
  db: Database,
  limits: ApiRateLimits,
  now: () => Date = () => new Date(),
): RateLimiter {
  const { windowMs } = limits;
  return {
    hit: async (name, { apiKeyId, ip }) => {
      const at = now().getTime();
      const windowStart = new Date(Math.floor(at / windowMs) * windowMs);
      // Windows before the previous one can no longer refuse anything.
      const expired = new Date(windowStart.getTime() - windowMs);
      const keyCaller = `key:${apiKeyId}`;
      const ipCaller = `ip:${ip}`;
      const rows = await db.$queryRaw<{ caller: string; hits: number }[]>`
        WITH purged AS (
          DELETE FROM "ApiRateLimitCounter" WHERE "windowStart" < ${expired}
        )
        INSERT INTO "ApiRateLimitCounter" ("limitName", "caller", "windowStart", "hits")
        VALUES (${name}, ${keyCaller}, ${windowStart}, 1), (${name}, ${ipCaller}, ${windowStart}, 1)
        ON CONFLICT ("limitName", "caller", "windowStart")
          DO UPDATE SET "hits" = "ApiRateLimitCounter"."hits" + 1
        RETURNING "caller", "hits"`;
      const hitsOf = (caller: string) => Number(rows.find((r) => r.caller === caller)?.hits ?? 0);
      const counts = limits.limits[name];
      const over: RateLimitCaller | null =
        hitsOf(keyCaller) > counts.perApiKey
          ? 'api_key'
          : hitsOf(ipCaller) > counts.perClientIp
            ? 'client_ip'
            : null;
      if (!over) return;
      const max = over === 'api_key' ? counts.perApiKey : counts.perClientIp;
      const retryAt = new Date(windowStart.getTime() + windowMs).toISOString();
      const windowSeconds = Math.round(windowMs / 1000);
      throw new ApiProblem(
        429,
        'rate_limited',
        `Too many ${WHAT[name]} from ${WHO[over]}: at most ${max} every ${windowSeconds} s; try again at ${retryAt}`,
        { retryAt, limit: { name, caller: over, max, windowSeconds } },
      );
    },
  };
}
