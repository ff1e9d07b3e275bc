/**
 * Structured logs (pino, one JSON object per line) for the worker, the SDK and
 * the API, without secrets: fields that hold codes, tokens, card data, API keys
 * or personal data are censored by name, and free text is scrubbed of what can
 * be recognised by shape (card numbers, gateway tokens, API keys, sealed codes).
 * Prometheus metrics of the worker runtime are configured here too.
 */
import type { LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import type { RuntimeOptions } from '@temporalio/worker';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { EngineEnv } from './config';

const CENSOR = '[redacted]';

/** Field names whose values never reach a log, at the top level or one level down. */
const SECRET_FIELDS = [
  'code',
  'sealedCode',
  'token',
  'methodToken',
  'number',
  'cvc',
  'expMonth',
  'expYear',
  'phone',
  'phoneE164',
  'email',
  'address',
  'companyAddress',
  'billingAddress',
  'line1',
  'line2',
  'postalCode',
  'apiKey',
  'key',
  'secret',
  'password',
  'authorization',
];

const REDACT_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.body',
  'res.headers["set-cookie"]',
];

/** Secrets recognisable in free text. */
const SCRUBS: Array<[RegExp, string]> = [
  [/\b(?:\d[ -]?){12,18}\d\b/g, '[card number]'],
  [/\btok_[A-Za-z0-9_]+/g, 'tok_[redacted]'],
  [/\b(bk_[A-Za-z0-9-]+)\.[A-Za-z0-9_-]+/g, '$1.[redacted]'],
  [/\bv1\.[A-Za-z0-9_-]{40,}/g, '[sealed code]'],
  [/(Bearer\s+)\S+/gi, '$1[redacted]'],
];

export function scrub(text: string): string {
  return SCRUBS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

function scrubDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
  if (depth > 4 || !value || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return { type: value.name, message: scrub(value.message), stack: scrub(value.stack ?? '') };
  }
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, depth + 1));
  // Requests, responses and other class instances are left to their serializers.
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, scrubDeep(v, depth + 1)]),
  );
}

const PINO_LEVEL: Record<EngineEnv['LOG_LEVEL'], pino.Level> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** The engine's logger; `destination` for tests (default stdout). */
export function createEngineLogger(
  level: EngineEnv['LOG_LEVEL'] = 'INFO',
  destination?: DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level: PINO_LEVEL[level],
    base: { service: 'billing-engine' },
    redact: { paths: REDACT_PATHS, censor: CENSOR },
    formatters: { log: (object) => scrubDeep(object) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((a) => (typeof a === 'string' ? scrub(a) : a));
        return method.apply(this, scrubbed as Parameters<typeof method>);
      },
    },
    serializers: {
      err: (err: Error) => scrubDeep(err),
      // Method, path without the query string, and status: never headers or bodies.
      req: (req: { method?: string; url?: string; id?: string }) => ({
        method: req.method,
        path: scrub((req.url ?? '').split('?')[0] ?? ''),
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

const SDK_TO_PINO: Record<LogLevel, pino.Level> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** The Temporal SDK's logger interface on pino: workflow, activity and worker logs as JSON. */
export class PinoSdkLogger implements SdkLogger {
  constructor(private readonly logger: Logger) {}
  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    this.logger[SDK_TO_PINO[level]]({ ...meta, component: 'temporal' }, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/**
 * Options for `Runtime.install`: SDK (and Rust core) logs through pino, and the
 * runtime's metrics (workflow / activity task latencies, schedule-to-start,
 * sticky cache, poller counts...) on a Prometheus endpoint unless `off`.
 */
export function runtimeOptions(
  logger: Logger,
  env: Pick<EngineEnv, 'LOG_LEVEL' | 'METRICS_BIND_ADDRESS'>,
): RuntimeOptions {
  return {
    logger: new PinoSdkLogger(logger),
    telemetryOptions: {
      logging: {
        forward: {},
        filter: { core: env.LOG_LEVEL === 'TRACE' ? 'DEBUG' : 'WARN', other: 'WARN' },
      },
      ...(env.METRICS_BIND_ADDRESS !== 'off'
        ? {
            metrics: {
              prometheus: { bindAddress: env.METRICS_BIND_ADDRESS, countersTotalSuffix: true },
            },
          }
        : {}),
    },
  };
}
