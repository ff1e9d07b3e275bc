import { z } from 'zod';

/** Every environment variable the engine reads; `.env.example` documents each one. */
const portSchema = z.coerce.number().int().min(1).max(65535);
const optionalPath = z.string().min(1).optional();

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
