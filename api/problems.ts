/**
 * Errors as RFC 9457 problem details (`application/problem+json`): `code` is the
 * machine-readable reason (the engine's refusal codes: `invalid_input`,
 * `step_out_of_order`, `unknown_code`, ...), `errors` names each bad field.
 */
import { z } from 'zod';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const FieldProblemSchema = z.object({
  /** Where: `body.address.postalCode`, `params.accountId`, `headers.idempotency-key`. */
  field: z.string(),
  message: z.string(),
});

export const ProblemSchema = z
  .object({
    type: z.string().describe('URI reference naming the problem kind: /problems/<code>'),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    code: z.string().describe('Machine-readable reason, e.g. invalid_input or unknown_code'),
    instance: z.string().optional(),
    errors: z.array(FieldProblemSchema).optional(),
    /** Steps still missing (trial upgrade). */
    missing: z.array(z.string()).optional(),
    /** When to try again (cooldowns, locks, rate limits); also sent as Retry-After. */
    retryAt: z.string().optional(),
    /** The rate limit a `rate_limited` request went over (api/rate-limits.ts). */
    limit: z
      .object({
        name: z.string().describe('code_sends, code_checks or code_redemptions'),
        caller: z.enum(['api_key', 'client_ip']).describe('Counted per API key or per client IP'),
        max: z.int(),
        windowSeconds: z.int(),
      })
      .optional(),
  })
  .meta({ id: 'Problem' });

export type Problem = z.infer<typeof ProblemSchema>;
export type FieldProblem = z.infer<typeof FieldProblemSchema>;

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  413: 'Content too large',
  415: 'Unsupported media type',
  422: 'Unprocessable request',
  429: 'Too many requests',
  431: 'Request header fields too large',
  500: 'Internal server error',
  503: 'Service unavailable',
};

/** A problem to answer with; thrown by handlers and hooks, rendered by the error handler. */
export class ApiProblem extends Error {
  override readonly name = 'ApiProblem';
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly extra: Pick<Problem, 'errors' | 'missing' | 'retryAt' | 'limit'> = {},
  ) {
    super(detail);
  }

  toProblem(instance?: string): Problem {
    return {
      type: `/problems/${this.code}`,
      title: TITLES[this.status] ?? 'Error',
      status: this.status,
      detail: this.message,
      code: this.code,
      ...(instance ? { instance } : {}),
      ...this.extra,
    };
  }
}

/** The status a business refusal of the engine answers with. */
export function statusOfRefusal(code: string): number {
  switch (code) {
    case 'invalid_input':
      return 400;
    case 'account_not_found':
    case 'trial_upgrade_not_found':
      return 404;
    case 'resend_cooldown':
    case 'resend_limit_reached':
    case 'verification_locked':
      return 429;
    case 'step_out_of_order':
    case 'not_ready':
    case 'upgrade_closed':
    case 'upgrade_in_progress':
    case 'account_already_upgraded':
    case 'phone_already_verified':
    case 'no_code_sent':
    case 'account_is_trial':
    case 'account_not_trial':
      return 409;
    default:
      // Code refusals (unknown_code, code_expired, ...), undeliverable phones, and the rest.
      return 422;
  }
}
