/**
 * The engine's HTTP API: Fastify with zod schemas (validation, typed handlers and
 * the generated OpenAPI 3 document, served at /openapi.json with interactive docs
 * at /docs), API keys with scopes, Idempotency-Key on every mutating request,
 * errors as application/problem+json, and the codec server for the Temporal UI.
 * Each business area adds its routes as one module in api/routes/index.ts.
 */
import type { Socket } from 'node:net';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyReply,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  isResponseSerializationError,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { WorkflowNotFoundError } from '@temporalio/client';
import { toRefusal } from '../client/trial-upgrade';
import type { Keyring } from '../client/codec';
import { authenticateApiKey, type ApiPrincipal, type ApiScope } from './keys';
import { registerCodecServer } from './codec-server';
import {
  IdempotencyHeadersSchema,
  registerIdempotency,
  type IdempotencyState,
} from './idempotency';
import { ApiProblem, PROBLEM_CONTENT_TYPE, ProblemSchema, statusOfRefusal } from './problems';
import {
  createRateLimiter,
  DEFAULT_API_RATE_LIMITS,
  type ApiRateLimits,
  type RateLimitName,
} from './rate-limits';
import { API_ROUTES } from './routes';
import type { ApiDeps, ApiRouteModule } from './routes/types';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Scopes any one of which lets a key call the route; unset: a public route (docs). */
    scopes?: readonly ApiScope[];
    /** Whether the route changes state and so needs an Idempotency-Key (default: not GET). */
    mutating?: boolean;
    /** The per-caller rate limit the route counts against (api/rate-limits.ts). */
    rateLimit?: RateLimitName;
  }
  interface FastifyInstance {
    /** Every authenticated route (method, URL, scopes), as the OpenAPI document must list them. */
    apiRoutes: ApiRouteEntry[];
  }
  interface FastifyRequest {
    principal?: ApiPrincipal;
    idempotency?: IdempotencyState;
  }
}

export interface ApiServerOptions extends ApiDeps {
  /** pino logger (redacting secrets: api/logging.ts); false for none. */
  logger?: Logger | false;
  /** The codec server for the Temporal UI; without it /codec/* is not served. */
  codec?: {
    keyring: Keyring;
    /** Origins allowed to call it (the Temporal UI). */
    corsOrigins: readonly string[];
    /** Development only: a secret path for a UI that cannot send a bearer token. */
    devUiToken?: string;
  };
  /** The route modules (default: every module in api/routes/index.ts). */
  routes?: readonly ApiRouteModule[];
  /** Per-caller limits of the abuse-prone routes (default DEFAULT_API_RATE_LIMITS). */
  rateLimits?: ApiRateLimits;
  /**
   * Which proxies' X-Forwarded-For to believe for the client IP (Fastify's
   * trustProxy: true for any, or addresses / CIDRs); default none.
   */
  trustProxy?: boolean | string[];
  /** The clock of rate-limit windows and Retry-After (tests pass their own). */
  now?: () => Date;
}

/** One authenticated route of the server's route table. */
export interface ApiRouteEntry {
  method: string;
  url: string;
  scopes: readonly ApiScope[];
  rateLimit?: RateLimitName;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Problem responses every authenticated route may give, for the OpenAPI document. */
const PROBLEM_STATUSES = [400, 401, 403, 404, 409, 413, 415, 422, 429, 500] as const;
const problemResponse = {
  description: 'A problem (RFC 9457): `code` says why, `errors` names each bad field',
  content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
};

export async function buildApiServer(options: ApiServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger
      ? { loggerInstance: options.logger as FastifyBaseLogger }
      : { logger: false }),
    // Request ids in logs and problems; never the body (it may hold a card or an address).
    genReqId: () => `req-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
    // Ids are at most 64 characters; a longer path parameter still reaches validation
    // (and is refused naming it) instead of matching no route. (Router options go in
    // routerOptions since Fastify 5.5: at the top level they print a deprecation warning.)
    routerOptions: { maxParamLength: 2048 },
    // A request Node's parser refuses (headers or URL too large, bad framing) never
    // reaches Fastify: it is answered as a problem on the socket.
    clientErrorHandler: (error: Error & { code?: string }, socket: Socket) => {
      if (error.code === 'ECONNRESET' || !socket.writable) {
        socket.destroy(error);
        return;
      }
      const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
      const problem = tooLarge
        ? new ApiProblem(
            431,
            'headers_too_large',
            'The URL or headers are larger than the API accepts',
          )
        : new ApiProblem(400, 'malformed_request', 'The request is not valid HTTP');
      const body = JSON.stringify(problem.toProblem());
      socket.end(
        `HTTP/1.1 ${problem.status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
          `content-type: ${PROBLEM_CONTENT_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
          `connection: close\r\n\r\n${body}`,
      );
    },
    // A URL Fastify cannot decode is refused as a problem too, not with Fastify's own JSON.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const problem = toApiProblem(error);
      void reply
        .code(problem.status)
        .type(PROBLEM_CONTENT_TYPE)
        .send(problem.toProblem(request.url.split('?')[0]));
    },
  });
  const now = options.now ?? (() => new Date());
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Coupon billing engine API',
        version: '1.0.0',
        description:
          'Trial-account upgrades, promo codes and coupons. Every request carries ' +
          '`Authorization: Bearer <API key>`; every mutating request an `Idempotency-Key` ' +
          '(a repeat returns the first answer; the same key with another request is refused ' +
          'with 422). Errors are `application/problem+json` with a `code` and the fields at fault.',
      },
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key `bk_<id>.<secret>` of the calling service',
          },
        },
      },
      tags: [
        { name: 'trial upgrade', description: 'Upgrading a trial account (seed 000)' },
        { name: 'promo codes', description: 'Add Funds > Promo Code, and redemptions' },
        { name: 'orders', description: 'Orders, their coupon, payment and renewal (seed 002)' },
        {
          name: 'bills',
          description: 'Pay-as-you-go bills: settlement, retries, rollback, adjustment',
        },
        { name: 'coupons', description: 'Coupon list, details, sharing and deduction amounts' },
        { name: 'codec', description: 'Payload codec server for the Temporal UI' },
      ],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  // Every API route: bearer auth, problem responses, and an Idempotency-Key when mutating.
  const apiRoutes: ApiRouteEntry[] = [];
  app.decorate('apiRoutes', apiRoutes);
  app.addHook('onRoute', (route) => {
    const config = route.config as
      { scopes?: readonly ApiScope[]; mutating?: boolean; rateLimit?: RateLimitName } | undefined;
    const scopes = config?.scopes;
    if (!config || !scopes) return;
    const { rateLimit } = config;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method !== 'HEAD')
        apiRoutes.push({ method, url: route.url, scopes, ...(rateLimit ? { rateLimit } : {}) });
    }
    const mutating = config.mutating ?? methods.some((m) => MUTATING.has(m));
    const schema = (route.schema ??= {}) as Record<string, unknown>;
    schema.security = [{ apiKey: [] }];
    if (rateLimit) {
      const note = `Rate limited per API key and per client IP (\`${rateLimit}\`): over the limit, 429 \`rate_limited\` with Retry-After.`;
      schema.description =
        typeof schema.description === 'string' ? `${schema.description}\n\n${note}` : note;
    }
    if (mutating && !schema.headers) schema.headers = IdempotencyHeadersSchema;
    const response = (schema.response ??= {}) as Record<string, unknown>;
    for (const status of PROBLEM_STATUSES) response[status] ??= problemResponse;
    route.config = { ...config, mutating };
  });

  app.addHook('onRequest', async (request: FastifyRequest) => {
    const scopes = request.routeOptions.config.scopes;
    if (!scopes) return;
    const header = request.headers.authorization ?? '';
    const presented = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!presented) {
      throw new ApiProblem(
        401,
        'missing_api_key',
        'Send the API key as "Authorization: Bearer <key>"',
      );
    }
    const principal = await authenticateApiKey(options.db, presented);
    if (!principal)
      throw new ApiProblem(401, 'invalid_api_key', 'The API key is unknown or revoked');
    if (!principal.scopes.some((s) => scopes.includes(s))) {
      throw new ApiProblem(
        403,
        'insufficient_scope',
        `This route needs one of the scopes ${scopes.join(', ')}; the key of ${principal.service} has ${principal.scopes.join(', ') || 'none'}`,
      );
    }
    request.principal = principal;
  });

  // Before the Idempotency-Key is recorded: a refused request leaves no answer to replay.
  const limiter = createRateLimiter(options.db, options.rateLimits ?? DEFAULT_API_RATE_LIMITS, now);
  app.addHook('preHandler', async (request) => {
    const name = request.routeOptions.config.rateLimit;
    if (!name || !request.principal) return;
    await limiter.hit(name, { apiKeyId: request.principal.keyId, ip: request.ip });
  });
  registerIdempotency(app, options.db);

  app.setErrorHandler((error, request, reply) => {
    const problem = toApiProblem(error);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    if (problem.status === 401) reply.header('www-authenticate', 'Bearer');
    if (problem.extra.retryAt) {
      const seconds = Math.ceil((Date.parse(problem.extra.retryAt) - now().getTime()) / 1000);
      if (seconds > 0) reply.header('retry-after', String(seconds));
    }
    return reply
      .code(problem.status)
      .type(PROBLEM_CONTENT_TYPE)
      .send(problem.toProblem(request.url.split('?')[0]));
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type(PROBLEM_CONTENT_TYPE)
      .send(
        new ApiProblem(
          404,
          'route_not_found',
          `No route ${request.method} ${request.url.split('?')[0]}`,
        ).toProblem(),
      ),
  );

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  if (options.codec) registerCodecServer(app, options.codec);
  for (const register of options.routes ?? API_ROUTES)
    await app.register(async (scope) => register(scope, options));
  return app;
}

/** Fastify's refusals of a request it cannot read, in the API's words. */
const FASTIFY_REFUSALS: Record<string, { code: string; detail: string; field?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: {
    code: 'malformed_json',
    detail:
      'The body is not valid JSON (or holds a __proto__ / constructor.prototype key, which is refused)',
    field: 'body',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: 'malformed_json',
    detail: 'The body is empty but content-type says JSON',
    field: 'body',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'unsupported_media_type',
    detail: 'Send the body as JSON with content-type: application/json',
    field: 'headers.content-type',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'body_too_large',
    detail: 'The body is larger than the API accepts',
    field: 'body',
  },
  FST_ERR_BAD_URL: { code: 'malformed_url', detail: 'The URL is not validly percent-encoded' },
};

/** Any error as the problem to answer with. */
export function toApiProblem(error: unknown): ApiProblem {
  if (error instanceof ApiProblem) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const context = error.validationContext ?? 'body';
    const where = context === 'querystring' ? 'query' : context;
    const errors = error.validation.flatMap((issue) => {
      const path = [where, ...issue.instancePath.split('/').filter(Boolean)].join('.');
      const unknown = (issue.params as { keys?: unknown }).keys;
      if (issue.keyword === 'unrecognized_keys' && Array.isArray(unknown)) {
        return unknown.map((key) => ({
          field: `${path}.${String(key)}`,
          message: 'Unknown field',
        }));
      }
      return [{ field: path, message: issue.message ?? 'Invalid' }];
    });
    return new ApiProblem(
      400,
      'invalid_input',
      errors.map((e) => `${e.field}: ${e.message}`).join('; '),
      { errors },
    );
  }
  if (isResponseSerializationError(error)) {
    return new ApiProblem(500, 'internal_error', 'The answer did not match its schema');
  }
  const refusal = toRefusal(error);
  if (refusal) {
    const { fields, field, missing, retryAt } = refusal.details;
    const errors = fields
      ? fields.map((f) => ({ field: `body.${f.path}`, message: f.message }))
      : field
        ? [{ field: `body.${field}`, message: refusal.message }]
        : undefined;
    return new ApiProblem(statusOfRefusal(refusal.code), refusal.code, refusal.message, {
      ...(errors ? { errors } : {}),
      ...(missing ? { missing } : {}),
      ...(retryAt ? { retryAt } : {}),
    });
  }
  if (error instanceof WorkflowNotFoundError) {
    return new ApiProblem(404, 'not_found', 'No such workflow (nothing was started for this id)');
  }
  const fastifyError = error as { statusCode?: number; code?: string; message?: string };
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode < 500) {
    // Fastify's own refusals: malformed JSON, unsupported media type, body too large.
    const known = FASTIFY_REFUSALS[fastifyError.code ?? ''];
    const detail = known?.detail ?? fastifyError.message ?? 'Bad request';
    return new ApiProblem(
      fastifyError.statusCode,
      known?.code ?? (fastifyError.code ?? 'bad_request').toLowerCase(),
      detail,
      known?.field ? { errors: [{ field: known.field, message: detail }] } : {},
    );
  }
  return new ApiProblem(500, 'internal_error', 'The request failed; it may be retried');
}
