import { msToNumber } from '@temporalio/common/lib/time';
import { z } from 'zod';
import type { Fault } from '../activities/faults';
import type { CodeAttemptLimits } from '../activities/ledger/attempts';
import { DEFAULT_API_RATE_LIMITS, type ApiRateLimits } from '../api/rate-limits';

/** Every environment variable the engine reads; `.env.example` documents each one. */
const portSchema = z.coerce.number().int().min(1).max(65535);
const optionalPath = z.string().min(1).optional();
/** An ms-style duration ("10 minutes", "30s", "30 days"), parsed to milliseconds. */
const durationSchema = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      try {
        const ms = msToNumber(value as Parameters<typeof msToNumber>[0]);
        if (Number.isFinite(ms) && ms > 0) return ms;
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: 'must be a duration such as "10 minutes" or "30s"' });
      return z.NEVER;
    });
const rateSchema = (fallback: number) =>
  z.coerce.number().int().min(1).max(1_000_000).default(fallback);
const countSchema = (fallback: number) => z.coerce.number().int().min(1).max(100).default(fallback);
/** Development keys: fine for `npm start`, replaced in any real deployment. */
export const DEV_VERIFICATION_HASH_KEY = 'dev-only-verification-hash-key-change-me';
export const DEV_VERIFICATION_SEAL_KEY = 'dev-only-verification-seal-key-change-me';

export const engineEnvSchema = z
  .object({
    /** host:port of a Temporal frontend; unset means `npm start` runs the dev server. */
    TEMPORAL_ADDRESS: z
      .string()
      .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'must be host:port, for example localhost:7233')
      .optional(),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().min(1).default('billing'),
    TEMPORAL_API_KEY: z.string().min(1).optional(),
    TEMPORAL_TLS_CERT_PATH: optionalPath,
    TEMPORAL_TLS_KEY_PATH: optionalPath,
    TEMPORAL_TLS_CA_PATH: optionalPath,
    TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
    /** Any PostgreSQL; unset means `npm start` runs the embedded one. */
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgresql:// connection URL')
      .optional(),
    DATA_DIR: z.string().min(1).default('.data'),
    TEMPORAL_PORT: portSchema.default(7233),
    TEMPORAL_UI_PORT: portSchema.default(8233),
    EMBEDDED_POSTGRES_PORT: portSchema.default(5433),
    LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
    /** Open workflows the worker keeps in memory (about 1.8 MiB each, bench/RESULTS.md); unset: the SDK's default. */
    WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).optional(),
    // --- trial upgrade (issue 6) ---
    /** Who delivers verification codes; `dev` writes them to the DevOutboxMessage table. */
    VERIFICATION_PROVIDER: z.enum(['dev']).default('dev'),
    /** Who tokenizes and charges; `dev` is the development gateway with documented test numbers. */
    PAYMENT_PROVIDER: z.enum(['dev']).default('dev'),
    /** Key of the HMAC that stores verification codes (worker only). */
    VERIFICATION_HASH_KEY: z.string().min(16).default(DEV_VERIFICATION_HASH_KEY),
    /** Key that seals a typed code on its way from the signup service to the worker (both sides). */
    VERIFICATION_SEAL_KEY: z.string().min(16).default(DEV_VERIFICATION_SEAL_KEY),
    VERIFICATION_CODE_TTL: durationSchema('10 minutes'),
    VERIFICATION_MAX_ATTEMPTS: countSchema(5),
    VERIFICATION_LOCKOUT: durationSchema('30 minutes'),
    RESEND_COOLDOWN: durationSchema('30 seconds'),
    RESEND_MAX: countSchema(5),
    UPGRADE_IDLE_TIMEOUT: durationSchema('30 days'),
    // --- orders (issue 7) ---
    /** An unpaid order is cancelled (its coupon released) this long after it was created. */
    ORDER_PAYMENT_WINDOW: durationSchema('3 days'),
    /** Who creates what a paid order bought; `dev` can be told to fail (docs/orders.md). */
    PROVISIONING_PROVIDER: z.enum(['dev']).default('dev'),
    // --- surfaces (issue 8): payload encryption, HTTP API, observability ---
    /** Keyring `id:base64key,...` (32-byte AES keys); unset: the dev key, embedded dev server only. */
    PAYLOAD_CODEC_KEYS: z.string().min(1).optional(),
    /** The key new payloads are sealed with; default the first of PAYLOAD_CODEC_KEYS. */
    PAYLOAD_CODEC_ACTIVE_KEY: z.string().min(1).optional(),
    /** The HTTP API (and codec server) `npm start` runs beside the worker. */
    API_HOST: z.string().min(1).default('127.0.0.1'),
    API_PORT: portSchema.default(8080),
    /** Origins allowed to call the codec server (the Temporal UI); default the dev UI's. */
    CODEC_CORS_ORIGINS: z.string().min(1).optional(),
    /** host:port of the worker runtime's Prometheus endpoint, or `off`. */
    METRICS_BIND_ADDRESS: z
      .string()
      .regex(/^(off|[A-Za-z0-9.-]+:\d{1,5})$/, 'must be host:port, e.g. 127.0.0.1:9464, or off')
      .default('127.0.0.1:9464'),
    /** Workflow, activity and client spans (worker/tracing.ts): none, otlp or console. */
    OTEL_TRACES_EXPORTER: z.enum(['none', 'otlp', 'console']).default('none'),
    /** Base URL of an OTLP/HTTP collector (spans go to <url>/v1/traces). */
    OTEL_EXPORTER_OTLP_ENDPOINT: z
      .string()
      .regex(/^https?:\/\/\S+$/, 'must be an http(s):// URL, e.g. http://localhost:4318')
      .optional(),
    OTEL_SERVICE_NAME: z.string().min(1).default('billing-engine'),
    // --- injected faults (issue 9; activities/faults.ts): off unless set ---
    PAYMENT_FAULT: z.enum(['none', 'fail', 'timeout', 'slow']).default('none'),
    PAYMENT_FAULT_DELAY: durationSchema('2 seconds'),
    PAYMENT_FAULT_COUNT: z.coerce.number().int().min(1).optional(),
    PROVISIONING_FAULT: z.enum(['none', 'fail', 'timeout', 'slow']).default('none'),
    PROVISIONING_FAULT_DELAY: durationSchema('2 seconds'),
    PROVISIONING_FAULT_COUNT: z.coerce.number().int().min(1).optional(),
    // --- abuse limits (issue 9; activities/ledger/attempts.ts) ---
    /** Failed promo / coupon code attempts one account may make within CODE_ATTEMPT_WINDOW. */
    CODE_ATTEMPT_MAX: z.coerce.number().int().min(1).max(1000).default(10),
    CODE_ATTEMPT_WINDOW: durationSchema('1 hour'),
    // --- per-caller rate limits of the HTTP API (api/rate-limits.ts) ---
    /** Length of one rate-limit window. */
    RATE_LIMIT_WINDOW: durationSchema('10 minutes'),
    /** Verification code sends and resends (phone, code/resend) per window. */
    RATE_LIMIT_CODE_SENDS_PER_KEY: rateSchema(DEFAULT_API_RATE_LIMITS.limits.code_sends.perApiKey),
    RATE_LIMIT_CODE_SENDS_PER_IP: rateSchema(DEFAULT_API_RATE_LIMITS.limits.code_sends.perClientIp),
    /** Verification code checks (code/verify) per window. */
    RATE_LIMIT_CODE_CHECKS_PER_KEY: rateSchema(
      DEFAULT_API_RATE_LIMITS.limits.code_checks.perApiKey,
    ),
    RATE_LIMIT_CODE_CHECKS_PER_IP: rateSchema(
      DEFAULT_API_RATE_LIMITS.limits.code_checks.perClientIp,
    ),
    /** Promo / coupon code redemptions (both promo-code routes) per window. */
    RATE_LIMIT_CODE_REDEMPTIONS_PER_KEY: rateSchema(
      DEFAULT_API_RATE_LIMITS.limits.code_redemptions.perApiKey,
    ),
    RATE_LIMIT_CODE_REDEMPTIONS_PER_IP: rateSchema(
      DEFAULT_API_RATE_LIMITS.limits.code_redemptions.perClientIp,
    ),
    /**
     * Proxies whose X-Forwarded-For gives the client IP: `true` (any), or
     * comma-separated addresses / CIDRs; unset: the connection's address.
     */
    API_TRUST_PROXY: z
      .string()
      .regex(/^(true|[0-9A-Fa-f.:/]+(\s*,\s*[0-9A-Fa-f.:/]+)*)$/, {
        error: 'must be true or comma-separated addresses / CIDRs, e.g. 10.0.0.0/8,127.0.0.1',
      })
      .optional(),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.TEMPORAL_TLS_CERT_PATH) !== Boolean(env.TEMPORAL_TLS_KEY_PATH)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.TEMPORAL_TLS_CERT_PATH ? 'TEMPORAL_TLS_KEY_PATH' : 'TEMPORAL_TLS_CERT_PATH'],
        message: 'TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH go together',
      });
    }
  });

export type EngineEnv = z.infer<typeof engineEnvSchema>;

/** A start-up problem to show as one line, without a stack trace. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function parseEngineEnv(env: NodeJS.ProcessEnv = process.env): EngineEnv {
  // Empty strings (as a copied .env.example leaves them) mean "not set".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = engineEnvSchema.safeParse(present);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map(
    (issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`,
  );
  throw new ConfigError(`invalid configuration: ${lines.join('; ')}`);
}

/** What the trial upgrade reads from the environment (all with development defaults). */
export interface UpgradeSettings {
  verificationProvider: EngineEnv['VERIFICATION_PROVIDER'];
  paymentProvider: EngineEnv['PAYMENT_PROVIDER'];
  verificationHashKey: string;
  verificationSealKey: string;
  codeTtlMs: number;
  maxAttemptsPerCode: number;
  lockoutMs: number;
  resendCooldownMs: number;
  maxResends: number;
  idleTimeoutMs: number;
}

export function upgradeSettings(env: EngineEnv): UpgradeSettings {
  return {
    verificationProvider: env.VERIFICATION_PROVIDER,
    paymentProvider: env.PAYMENT_PROVIDER,
    verificationHashKey: env.VERIFICATION_HASH_KEY,
    verificationSealKey: env.VERIFICATION_SEAL_KEY,
    codeTtlMs: env.VERIFICATION_CODE_TTL,
    maxAttemptsPerCode: env.VERIFICATION_MAX_ATTEMPTS,
    lockoutMs: env.VERIFICATION_LOCKOUT,
    resendCooldownMs: env.RESEND_COOLDOWN,
    maxResends: env.RESEND_MAX,
    idleTimeoutMs: env.UPGRADE_IDLE_TIMEOUT,
  };
}

/** The upgrade settings of this process's environment (defaults when nothing is set). */
export function upgradeSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): UpgradeSettings {
  return upgradeSettings(parseEngineEnv(env));
}

/** What orders read from the environment (all with development defaults). */
export interface OrderSettings {
  /** Passed to each order workflow as input by the client library. */
  paymentWindowMs: number;
  provisioningProvider: EngineEnv['PROVISIONING_PROVIDER'];
}

export function orderSettings(env: EngineEnv): OrderSettings {
  return {
    paymentWindowMs: env.ORDER_PAYMENT_WINDOW,
    provisioningProvider: env.PROVISIONING_PROVIDER,
  };
}

export function orderSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): OrderSettings {
  return orderSettings(parseEngineEnv(env));
}

/** Faults injected into the payment gateway and provisioning provider (activities/faults.ts). */
export interface FaultSettings {
  payment: Fault;
  provisioning: Fault;
}

export function faultSettings(env: EngineEnv): FaultSettings {
  return {
    payment: {
      mode: env.PAYMENT_FAULT,
      delayMs: env.PAYMENT_FAULT_DELAY,
      ...(env.PAYMENT_FAULT_COUNT !== undefined ? { count: env.PAYMENT_FAULT_COUNT } : {}),
    },
    provisioning: {
      mode: env.PROVISIONING_FAULT,
      delayMs: env.PROVISIONING_FAULT_DELAY,
      ...(env.PROVISIONING_FAULT_COUNT !== undefined
        ? { count: env.PROVISIONING_FAULT_COUNT }
        : {}),
    },
  };
}

export function faultSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): FaultSettings {
  return faultSettings(parseEngineEnv(env));
}

/** Abuse limit on code guessing (activities/ledger/attempts.ts). */
export function codeAttemptSettings(env: EngineEnv): CodeAttemptLimits {
  return { maxFailures: env.CODE_ATTEMPT_MAX, windowMs: env.CODE_ATTEMPT_WINDOW };
}

export function codeAttemptSettingsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): CodeAttemptLimits {
  return codeAttemptSettings(parseEngineEnv(env));
}

/** Per-caller rate limits of the HTTP API (api/rate-limits.ts). */
export function apiRateLimitSettings(env: EngineEnv): ApiRateLimits {
  return {
    windowMs: env.RATE_LIMIT_WINDOW,
    limits: {
      code_sends: {
        perApiKey: env.RATE_LIMIT_CODE_SENDS_PER_KEY,
        perClientIp: env.RATE_LIMIT_CODE_SENDS_PER_IP,
      },
      code_checks: {
        perApiKey: env.RATE_LIMIT_CODE_CHECKS_PER_KEY,
        perClientIp: env.RATE_LIMIT_CODE_CHECKS_PER_IP,
      },
      code_redemptions: {
        perApiKey: env.RATE_LIMIT_CODE_REDEMPTIONS_PER_KEY,
        perClientIp: env.RATE_LIMIT_CODE_REDEMPTIONS_PER_IP,
      },
    },
  };
}

/** Fastify's trustProxy from API_TRUST_PROXY: whose X-Forwarded-For names the client. */
export function apiTrustProxy(env: EngineEnv): boolean | string[] {
  if (!env.API_TRUST_PROXY) return false;
  if (env.API_TRUST_PROXY === 'true') return true;
  return env.API_TRUST_PROXY.split(',').map((a) => a.trim());
}
