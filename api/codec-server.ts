/**
 * Codec server for the Temporal Web UI (and `temporal` CLI --codec-endpoint):
 * POST /codec/decode and /codec/encode take and give `{ payloads: [...] }` in the
 * proto JSON form (metadata values and data in base64). Callers authenticate
 * with a bearer API key holding the `ops` scope; the UI's origin is allowed by
 * CORS. For the development UI of `npm start`, which has no sign-in and so no
 * token to send, a secret path chosen at each start may be served as well.
 */
import { timingSafeEqual } from 'node:crypto';
import fastifyCors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Payload } from '@temporalio/common';
import { EncryptionCodec, type Keyring } from '../client/codec';
import { ApiProblem } from './problems';

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, { error: 'base64' });
const PayloadJsonSchema = z.object({
  metadata: z.record(z.string(), base64).optional(),
  data: base64.optional(),
});
// Proto JSON omits an empty list: `{}` is zero payloads (the Temporal CLI sends it).
const PayloadsSchema = z
  .object({ payloads: z.array(PayloadJsonSchema).max(1000).default([]) })
  .meta({ id: 'Payloads' });
type PayloadJson = z.infer<typeof PayloadJsonSchema>;

const fromJson = (p: PayloadJson): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]),
  ),
  data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
});
const toJson = (p: Payload): PayloadJson => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

export function registerCodecServer(
  app: FastifyInstance,
  options: { keyring: Keyring; corsOrigins: readonly string[]; devUiToken?: string },
): void {
  const codec = new EncryptionCodec(options.keyring);
  const run = async (
    direction: 'encode' | 'decode',
    body: z.infer<typeof PayloadsSchema>,
  ): Promise<z.infer<typeof PayloadsSchema>> => {
    try {
      const payloads = await codec[direction](body.payloads.map(fromJson));
      return { payloads: payloads.map(toJson) };
    } catch (err) {
      throw new ApiProblem(422, 'payload_not_decodable', (err as Error).message);
    }
  };

  void app.register(
    async (scope) => {
      await scope.register(fastifyCors, {
        origin: [...options.corsOrigins],
        methods: ['POST', 'OPTIONS'],
        allowedHeaders: ['authorization', 'content-type', 'x-namespace'],
        credentials: true,
        maxAge: 600,
      });
      const routes = scope.withTypeProvider<ZodTypeProvider>();
      for (const direction of ['decode', 'encode'] as const) {
        routes.post(
          `/${direction}`,
          {
            config: { scopes: ['ops'], mutating: false },
            schema: {
              tags: ['codec'],
              summary: `${direction === 'decode' ? 'Decrypt' : 'Encrypt'} payloads (Temporal codec server protocol)`,
              body: PayloadsSchema,
              response: { 200: PayloadsSchema },
            },
          },
          async (request) => run(direction, request.body),
        );
      }
      const token = options.devUiToken;
      if (token) {
        const matches = (given: string): boolean =>
          given.length === token.length && timingSafeEqual(Buffer.from(given), Buffer.from(token));
        for (const direction of ['decode', 'encode'] as const) {
          routes.post(
            `/ui/:token/${direction}`,
            {
              schema: { hide: true, params: z.object({ token: z.string() }), body: PayloadsSchema },
            },
            async (request) => {
              if (!matches(request.params.token)) {
                throw new ApiProblem(401, 'invalid_api_key', 'Unknown codec path');
              }
              return run(direction, request.body);
            },
          );
        }
      }
    },
    { prefix: '/codec' },
  );
}
