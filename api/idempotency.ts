/**
 * Idempotency-Key on every mutating request (per API key): the first request
 * is recorded before it runs; a repeat with the same method, path and body gets
 * the first answer again (`Idempotent-Replayed: true`), a repeat while the first
 * still runs gets 409, and the same key with another request 422. Answers of 5xx
 * are not kept, so the caller may retry them with the same key. Only a hash of
 * the request is stored, never its body (it may hold a card number).
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Database } from '../activities/database';
import { Prisma } from '../generated/prisma/client';
import { ApiProblem } from './problems';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';

export const IdempotencyHeadersSchema = z.looseObject({
  [IDEMPOTENCY_HEADER]: z
    .string({ error: 'Required: a unique key per operation, e.g. a UUID' })
    .regex(/^[\x21-\x7e]{8,255}$/, { error: '8-255 printable ASCII characters, e.g. a UUID' })
    .describe('A unique key per operation (e.g. a UUID); a repeat returns the first answer'),
});

export interface IdempotencyState {
  apiKeyId: string;
  key: string;
}

/** The Temporal update id a step sent under this key uses: Temporal deduplicates it too. */
export function updateIdOf(state: IdempotencyState | undefined): { updateId?: string } {
  return state ? { updateId: `api:${state.apiKeyId}:${state.key}` } : {};
}

/**
 * The ledger operation key of a mutation sent under this key (one per API key and
 * Idempotency-Key), for operations that run in the ledger rather than a workflow.
 */
export function ledgerOperationKey(state: IdempotencyState | undefined): string {
  const { updateId } = updateIdOf(state);
  if (!updateId) throw new ApiProblem(400, 'invalid_input', 'Idempotency-Key is required');
  return updateId;
}

/** JSON with sorted keys, so that the same body hashes the same however it is written. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

interface StoredAnswer {
  contentType: string;
  body: unknown;
}

export function registerIdempotency(app: FastifyInstance, db: Database): void {
  app.addHook('preHandler', async (request, reply) => {
    const { mutating, scopes } = request.routeOptions.config;
    if (!mutating || !scopes || !request.principal) return;
    const key = request.headers[IDEMPOTENCY_HEADER];
    if (typeof key !== 'string') return; // the headers schema already refused it
    const apiKeyId = request.principal.keyId;
    const requestHash = createHash('sha256')
      .update(`${request.method} ${request.url}\n${canonical(request.body ?? null)}`)
      .digest('hex');
    try {
      await db.apiIdempotencyRecord.create({
        data: { apiKeyId, key, method: request.method, path: request.url, requestHash },
      });
      request.idempotency = { apiKeyId, key };
      return;
    } catch (err) {
      if (!(err instanceof Prisma.PrismaClientKnownRequestError) || err.code !== 'P2002') throw err;
    }
    const first = await db.apiIdempotencyRecord.findUnique({
      where: { apiKeyId_key: { apiKeyId, key } },
    });
    if (!first) throw new ApiProblem(409, 'idempotency_request_in_progress', 'Retry in a moment');
    if (first.requestHash !== requestHash) {
      throw new ApiProblem(
        422,
        'idempotency_key_reused',
        `Idempotency-Key ${key} was used for another request (${first.method} ${first.path} or another body); use a new key`,
        {
          errors: [{ field: `headers.${IDEMPOTENCY_HEADER}`, message: 'used for another request' }],
        },
      );
    }
    if (first.statusCode === null || !first.response) {
      throw new ApiProblem(
        409,
        'idempotency_request_in_progress',
        `The first request with Idempotency-Key ${key} is still running; retry in a moment`,
      );
    }
    const answer = first.response as unknown as StoredAnswer;
    return reply
      .code(first.statusCode)
      .header(REPLAYED_HEADER, 'true')
      .type(answer.contentType)
      .send(answer.body);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const state = request.idempotency;
    if (!state) return payload;
    request.idempotency = undefined;
    const where = { apiKeyId_key: { apiKeyId: state.apiKeyId, key: state.key } };
    if (reply.statusCode >= 500) {
      await db.apiIdempotencyRecord.delete({ where }).catch(() => undefined);
      return payload;
    }
    const text = typeof payload === 'string' ? payload : '';
    const answer: StoredAnswer = {
      contentType: String(reply.getHeader('content-type') ?? 'application/json'),
      body: text ? (JSON.parse(text) as unknown) : null,
    };
    await db.apiIdempotencyRecord.update({
      where,
      data: {
        statusCode: reply.statusCode,
        response: answer as unknown as Prisma.InputJsonValue,
        completedAt: new Date(),
      },
    });
    return payload;
  });
}
